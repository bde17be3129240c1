import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.js';
import { withSql } from '../helpers/factories.js';
import { type OwnPostgres, startOwnPostgres } from '../helpers/postgres-server.js';
import { eventually } from '../helpers/wait.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

/** A Postgres of the test's own (embedded), so it can be restarted under a running worker. */
let pg: OwnPostgres | undefined;
let worker: WorkerProcess | undefined;
let url: string | undefined;

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  await pg?.remove();
});

describe('Postgres restarting under a running worker', () => {
  it('the worker reconnects and keeps processing jobs', async () => {
    pg = await startOwnPostgres('restart');
    const database = pg.url;
    url = database;
    await runMigrations(database);
    const enqueueAndWait = async (n: number) => {
      await withSql(
        database,
        (sql) => sql`select graphile_worker.add_job('prune_jobs', '{}'::json)`,
      );
      await eventually(
        async () =>
          withSql(database, async (sql) => {
            const [row] = await sql`select count(*)::int as left from graphile_worker.jobs`;
            return row?.left === 0 ? n : undefined;
          }),
        30_000,
      );
    };
    worker = spawnWorker(database, { WORKER_POLL_INTERVAL_MS: '200' });
    await enqueueAndWait(1);

    await pg.stop();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await pg.start();

    await enqueueAndWait(2);
    expect(worker.child.exitCode).toBeNull(); // it rode out the outage
  }, 120_000);

  it('a busy worker rides out restarts while it records job outcomes, and finishes every job', async () => {
    if (!pg || !url) throw new Error('the first test starts Postgres');
    const server = pg;
    const jobsLeft = () =>
      withSql(url as string, async (sql) => {
        const [row] = await sql`select count(*)::int as left from graphile_worker.jobs`;
        return row?.left as number;
      });
    await withSql(
      url,
      (sql) => sql`select graphile_worker.add_jobs(array(
        select ('prune_jobs', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec
        from generate_series(1, 5000)))`,
    );
    // Restart while jobs are being taken and completed: each time only once the worker has
    // made progress since the last restart (it came back and went on).
    let previous = 5000;
    for (let i = 0; i < 4 && previous > 0; i++) {
      previous = await eventually(async () => {
        const left = await jobsLeft();
        return left < previous ? left : undefined;
      }, 60_000);
      await server.stop();
      await server.start();
    }
    // Jobs that failed while Postgres was away wait for graphile-worker's retry backoff (e^n
    // seconds: a job failed four times waits 55 s); that backoff is not under test here, so
    // the jobs still waiting are made due now. None may be left locked by a runner that died.
    await eventually(async () => {
      const locked = await withSql(url as string, async (sql) => {
        const [row] = await sql`
          select count(*)::int as n from graphile_worker.jobs
          where locked_at is not null and locked_at < now() - interval '20 seconds'`;
        return row?.n as number;
      });
      return locked === 0 ? true : undefined;
    }, 60_000);
    await withSql(
      url,
      (sql) => sql`update graphile_worker._private_jobs set run_at = now() where run_at > now()`,
    );
    await eventually(async () => ((await jobsLeft()) === 0 ? true : undefined), 90_000);
    expect(worker?.child.exitCode).toBeNull();
  }, 180_000);
});
