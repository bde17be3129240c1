/**
 * A SIGKILLed worker: how long until its locked jobs run on another worker. Workers run with
 * the shipped settings (heartbeat every 2 s, stale after 6 s, polling every 1 s): graphile-worker
 * alone would keep a dead worker's locks for 4 hours.
 *
 * Four long exports (one per slot of a worker) are taken by worker 1; once they run, worker 2
 * starts (idle: every job is locked) and worker 1 is SIGKILLed. The time is from the kill until
 * every one of its jobs is locked by worker 2. Then worker 2, now running them, is killed under
 * worker 3, and so on: three kills. The exports must still finish with every row, once.
 */
import {
  atMost,
  type Figure,
  fmt,
  gql,
  harnessSql,
  info,
  type NodeProcess,
  ownPostgres,
  signUp,
  startGateway,
  startWorker,
  waitFor,
} from './harness.js';

const EXPERIMENT = '3. A SIGKILLed worker';
const KILLS = 3;
const EXPORTS = 4;
/** Rows per export: each takes several seconds, longer than a kill and its pickup. */
const ROWS = 100_000;
const TARGET_MS = 10_000;

export async function workerKill(): Promise<Figure[]> {
  const pg = await ownPostgres('faults_worker');
  // The API only queues the exports here; workers are separate processes.
  const gateway = await startGateway('gateway', pg.url, { WORKER_ENABLED: 'false' });
  const sql = harnessSql(pg.url);
  const { token, userId } = await signUp(gateway.base, `worker-${Date.now()}@example.com`);
  await sql`
    insert into expenses (user_id, amount, currency, description, expense_date, category_source)
    select ${userId}, (i % 100 + 1)::numeric(14,2), 'USD', 'row ' || i, date '2025-01-01' + (i % 300),
           'UNCATEGORIZED'
    from generate_series(1, ${ROWS}) as i`;
  for (let i = 0; i < EXPORTS; i++) {
    const answer = await gql(
      gateway.base,
      'mutation { requestExport(input: { format: CSV }) { export { id } } }',
      {},
      token,
    );
    if (!answer.json?.data?.requestExport) throw new Error(`requestExport: ${answer.text}`);
  }
  const [{ ids } = { ids: [] }] = await sql<{ ids: string[] }[]>`
    select array_agg(id::text) as ids from graphile_worker.jobs where task_identifier = 'export_expenses'`;
  const jobIds = ids.map(Number);

  /** Who holds each export job (null: nobody; undefined: the job is gone, i.e. finished). */
  const holders = async () => {
    const rows = await sql<{ id: string; locked_by: string | null }[]>`
      select id::text, locked_by from graphile_worker.jobs where id = any(${jobIds})`;
    const byId = new Map(rows.map((row) => [Number(row.id), row.locked_by]));
    return jobIds.map((id) => (byId.has(id) ? byId.get(id) : undefined));
  };
  const heartbeatIds = async () =>
    new Set(
      (await sql<{ worker_id: string }[]>`select worker_id from worker_heartbeats`).map(
        (row) => row.worker_id,
      ),
    );
  /** Every export is locked by one of `lockers` and its record says RUNNING. */
  const allRunningOn = async (lockers: Set<string>) => {
    const held = await holders();
    const [{ running } = { running: 0 }] = await sql<{ running: number }[]>`
      select count(*)::int as running from jobs where kind = 'export_expenses' and state = 'RUNNING'`;
    return held.every((holder) => holder && lockers.has(holder)) && running === EXPORTS;
  };

  const pickups: number[][] = [];
  let current: NodeProcess = await startWorker('worker 1', pg.url);
  // The first worker's ids: whatever locks the jobs while it runs alone.
  let currentIds = await waitFor(
    'worker 1 to take every export',
    async () => {
      const held = await holders();
      if (!held.every((holder) => typeof holder === 'string')) return undefined;
      const ids = new Set(held as string[]);
      for (const id of await heartbeatIds()) ids.add(id);
      return (await allRunningOn(ids)) ? ids : undefined;
    },
    60_000,
  );
  for (let kill = 1; kill <= KILLS; kill++) {
    const before = await heartbeatIds();
    const next = await startWorker(`worker ${kill + 1}`, pg.url);
    // Ready: its heartbeat is written (it polls and sweeps from then on).
    const nextIds = await waitFor(
      `worker ${kill + 1} to write its heartbeat`,
      async () => {
        const fresh = [...(await heartbeatIds())].filter(
          (id) => !before.has(id) && !currentIds.has(id),
        );
        return fresh.length > 0 ? new Set(fresh) : undefined;
      },
      30_000,
    );
    const victimLocks = new Set((await holders()).filter((h): h is string => !!h));
    const killedAt = performance.now();
    const killed = current.stop('SIGKILL');
    const times: (number | undefined)[] = jobIds.map(() => undefined);
    await waitFor(
      `worker ${kill + 1} to pick up the killed worker's exports`,
      async () => {
        const held = await holders();
        held.forEach((holder, i) => {
          if (
            times[i] === undefined &&
            (holder === undefined || (holder && !victimLocks.has(holder)))
          ) {
            times[i] = performance.now() - killedAt;
          }
        });
        return times.every((t) => t !== undefined) ? true : undefined;
      },
      60_000,
      25,
    );
    pickups.push(times as number[]);
    await killed;
    current = next;
    // Its lock ids: what it locked the exports with, and its heartbeat rows.
    currentIds = new Set([...nextIds, ...((await holders()).filter(Boolean) as string[])]);
    await waitFor(
      `worker ${kill + 1} to be running the exports`,
      async () => ((await allRunningOn(currentIds)) ? true : undefined),
      30_000,
    );
    process.stdout.write(
      `  kill ${kill}/${KILLS}: picked up in ${times.map((t) => fmt((t ?? 0) / 1000, 1)).join(', ')} s\n`,
    );
  }

  const finished = await waitFor(
    'the exports to finish',
    async () => {
      const rows = await sql<{ state: string; progress: number; row_count: number | null }[]>`
        select j.state, j.progress, e.row_count from jobs j join exports e on e.job_id = j.id
        where j.kind = 'export_expenses'`;
      return rows.every((row) => row.state === 'SUCCEEDED' || row.state === 'FAILED')
        ? rows
        : undefined;
    },
    90_000,
    250,
  );
  const intact = finished.filter(
    (row) => row.state === 'SUCCEEDED' && row.progress === ROWS && row.row_count === ROWS,
  ).length;
  const crashed = [gateway, current].reduce((n, p) => n + p.unexpectedExits(), 0);
  await current.stop();
  await gateway.stop();

  const all = pickups.flat();
  const slowest = Math.max(...all);
  return [
    info(
      EXPERIMENT,
      'set-up',
      `${EXPORTS} exports of ${fmt(ROWS)} rows running on a worker, SIGKILLed ${KILLS}× in a row, each time under a fresh idle worker; shipped settings (heartbeat 2 s, stale after 6 s, poll 1 s)`,
    ),
    {
      experiment: EXPERIMENT,
      figure:
        "time from the kill until the other worker runs every one of the killed worker's jobs",
      target: `≤ ${TARGET_MS / 1000} s`,
      result: `${fmt(slowest / 1000, 1)} s slowest (kills: ${pickups
        .map(
          (times) => `${fmt(Math.min(...times) / 1000, 1)}-${fmt(Math.max(...times) / 1000, 1)} s`,
        )
        .join(', ')})`,
      passed: slowest <= TARGET_MS,
    },
    atMost(
      EXPERIMENT,
      'exports not finished intact (every row, SUCCEEDED) after the kills',
      EXPORTS - intact,
      0,
      `${intact} of ${EXPORTS} intact`,
    ),
    atMost(
      EXPERIMENT,
      'other process exits',
      crashed,
      0,
      [gateway.exitNote(), current.exitNote()].filter(Boolean).join('; '),
    ),
  ];
}
