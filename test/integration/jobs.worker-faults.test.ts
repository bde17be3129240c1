import { sql as raw } from 'drizzle-orm';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findJobsByIds, markJobFailed } from '../../src/db/queries/jobs.js';
import { submitChatMessage } from '../../src/domain/chat/commands.js';
import { createJobRuntime } from '../../src/jobs/runtime.js';
import { parseChatMessageTask } from '../../src/jobs/tasks/parse_chat_message.js';
import { useTestApp } from '../helpers/app.js';
import { withSql } from '../helpers/factories.js';
import { eventually } from '../helpers/wait.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

/** The API without a worker; workers run as child processes that the tests kill. */
const t = useTestApp();
const workers: WorkerProcess[] = [];
async function killAll() {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
  }
}
afterEach(killAll);
afterAll(killAll);

function start(env: Record<string, string> = {}) {
  const worker = spawnWorker(t.databaseUrl, env);
  workers.push(worker);
  return worker;
}

async function userWithExpenses(count: number): Promise<{ token: string; userId: number }> {
  const { token, id } = await t.signUp();
  const userId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
  await withSql(
    t.databaseUrl,
    (sql) => sql`
    insert into expenses (user_id, amount, currency, description, expense_date, category_source)
    select ${userId}, (i % 100 + 1)::numeric(14,2), 'USD', 'row ' || i, date '2025-01-01' + (i % 300), 'UNCATEGORIZED'
    from generate_series(1, ${count}) as i`,
  );
  return { token, userId };
}

async function exportJob(token: string): Promise<number> {
  const res = await t.gql(
    `mutation { requestExport(input: { format: CSV }) { export { id } } }`,
    {},
    token,
  );
  const exportId = Number(
    Buffer.from(res.data?.requestExport.export.id, 'base64').toString().split(':')[1],
  );
  return withSql(
    t.databaseUrl,
    async (sql) => (await sql`select job_id::int as id from exports where id = ${exportId}`)[0]?.id,
  );
}

async function record(jobId: number) {
  return withSql(
    t.databaseUrl,
    async (sql) =>
      (await sql`select state, progress, total, attempts from jobs where id = ${jobId}`)[0],
  );
}

/** The job runtime a worker would give tasks, on this file's app's infrastructure. */
function taskRuntime() {
  return createJobRuntime(t.app.infra);
}

describe('worker faults', () => {
  it('a worker killed mid-job: the sweeper frees its job and another worker completes it', async () => {
    const { token } = await userWithExpenses(60_000);
    const first = start();
    const jobId = await exportJob(token);
    await eventually(async () => ((await record(jobId))?.progress > 0 ? true : undefined), 30_000);
    // Known before the first row: a client can show a percentage while it runs.
    expect((await record(jobId))?.total).toBe(60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const locked = await withSql(t.databaseUrl, async (sql) =>
      Number(
        (await sql`select count(*) from graphile_worker.jobs where locked_at is not null`)[0]
          ?.count,
      ),
    );
    expect(locked).toBe(1); // graphile-worker alone would hold this lock for 4 hours
    start();
    const done = await eventually(async () => {
      const row = await record(jobId);
      return row?.state === 'SUCCEEDED' ? row : undefined;
    }, 60_000);
    expect(done).toMatchObject({ state: 'SUCCEEDED', progress: 60_000, attempts: 2 });
    const file = await (
      await t.fetch(`/exports/${Buffer.from(`Export:${jobId}`).toString('base64')}/download`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).text();
    // The export's id equals its job id here only by coincidence of creation order; look it up.
    expect(file.length).toBeGreaterThan(0);
  }, 120_000);

  it('a job still running when the drain time ends is picked up by another worker', async () => {
    const { token } = await userWithExpenses(200_000);
    const worker = start({ WORKER_SHUTDOWN_TIMEOUT_MS: '50' });
    const jobId = await exportJob(token);
    await eventually(
      async () => ((await record(jobId))?.state === 'RUNNING' ? true : undefined),
      30_000,
    );
    worker.child.kill('SIGTERM');
    await worker.exited;
    // Its heartbeat is gone with it; the lock must not wait for graphile-worker's 4 hours.
    start();
    const done = await eventually(async () => {
      const row = await record(jobId);
      return row?.state === 'SUCCEEDED' ? row : undefined;
    }, 90_000);
    expect(done).toMatchObject({ state: 'SUCCEEDED', progress: 200_000 });
  }, 180_000);

  it('SIGTERM lets the running job finish, then exits 0', async () => {
    const { token } = await userWithExpenses(30_000);
    const worker = start({ WORKER_SHUTDOWN_TIMEOUT_MS: '30000' });
    const jobId = await exportJob(token);
    await eventually(
      async () => ((await record(jobId))?.state === 'RUNNING' ? true : undefined),
      30_000,
    );
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await record(jobId)).toMatchObject({
      state: 'SUCCEEDED',
      progress: 30_000,
      attempts: 1,
    });
  }, 120_000);

  it('a chat message retried after its expense committed still makes exactly one expense', async () => {
    const { id } = await t.signUp();
    const userId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
    const runtime = taskRuntime();
    const job = await submitChatMessage(
      { uow: runtime.uow() },
      { id: userId, role: 'user' },
      'taxi 18.20 today',
    );
    const task = parseChatMessageTask.make(runtime);
    const payload = { jobRecordId: job.id, userId, text: 'taxi 18.20 today' };
    // As if the first attempt's process died after its transaction committed.
    await task(payload, {
      job: { attempts: 1, max_attempts: 5, run_at: new Date() },
      logger: { error() {} },
    } as never);
    await task(payload, {
      job: { attempts: 2, max_attempts: 5, run_at: new Date() },
      logger: { error() {} },
    } as never);
    const [row] = await runtime.db.execute<{ n: number }>(
      raw`select count(*)::int as n from expenses where user_id = ${userId}`,
    );
    expect(row?.n).toBe(1);
  });

  it('an attempt overlapping a finished one neither runs nor changes its record', async () => {
    const { id } = await t.signUp();
    const userId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
    const runtime = taskRuntime();
    const job = await submitChatMessage(
      { uow: runtime.uow() },
      { id: userId, role: 'user' },
      'bus 2.80 today',
    );
    const task = parseChatMessageTask.make(runtime);
    const helpers = (attempts: number) =>
      ({ job: { attempts, max_attempts: 5, run_at: new Date() }, logger: { error() {} } }) as never;
    await task({ jobRecordId: job.id, userId, text: 'bus 2.80 today' }, helpers(1));
    const [done] = await findJobsByIds(runtime.db, [job.id]);
    expect(done).toMatchObject({ state: 'SUCCEEDED', attempts: 1 });
    // After a database outage, a second attempt of the same job can have been running beside
    // the first: its late failure, or its start, must not take the record back to QUEUED.
    await markJobFailed(runtime.db, job.id, 'The job failed with an unexpected error', false);
    await task({ jobRecordId: job.id, userId, text: 'no amount at all' }, helpers(2));
    const [after] = await findJobsByIds(runtime.db, [job.id]);
    expect(after).toMatchObject({
      state: 'SUCCEEDED',
      attempts: 1,
      lastError: null,
      result: done?.result,
    });
  });
});
