/**
 * The job outbox: expense writes queue jobs as plain rows (no NOTIFY, so their commits do not
 * queue behind each other), and relays move them into graphile-worker in batches.
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createPool, type Pool } from '../../src/db/client.js';
import { insertExpensesWithJobs } from '../../src/db/queries/expense-inserts.js';
import { outboxJobsSql, relayOutbox } from '../../src/db/queries/job-queue.js';
import { createTestDatabase } from '../helpers/database.js';
import { pendingExpense } from '../helpers/factories.js';
import { signal } from '../helpers/wait.js';

let pool: Pool;
let listener: postgres.Sql;
let drop: () => Promise<void>;
let userId: number;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  pool = createPool(db.url, loadConfig({ DATABASE_URL: db.url }).db);
  listener = postgres(db.url, { max: 1, onnotice: () => {} });
  const [user] = await pool<{ id: number }[]>`
    insert into users (email, email_key, name, password_hash)
    values ('outbox@example.com', 'outbox@example.com', 'O', 'x')
    returning id::int`;
  userId = user?.id as number;
});
afterAll(async () => {
  await listener.end();
  await pool.end();
  await drop();
});

const row = (description: string) => pendingExpense(userId, '2026-02-01', description);

async function counts() {
  const [result] = await pool<{ outbox: number; jobs: number }[]>`select
    (select count(*)::int from job_outbox) as outbox,
    (select count(*)::int from graphile_worker.jobs) as jobs`;
  return result;
}

it('writes send no NOTIFY; the relay moves their jobs and notifies once per batch', async () => {
  const heard: string[] = [];
  const { fired: relayNotified, fire: relayHeard } = signal();
  await listener.listen('jobs:insert', (payload) => {
    heard.push(payload);
    if (payload.includes('"count":3')) relayHeard();
  });
  const db = drizzle(pool);
  for (const description of ['a', 'b'])
    await insertExpensesWithJobs(db, userId, [row(description)], 60_000);
  // Two suggestions and two specs of one rollup key.
  expect(await counts()).toEqual({ outbox: 4, jobs: 0 });
  expect(await relayOutbox(pool)).toBe(4);
  // Notifications arrive in commit order: had a write notified, it would be heard first.
  await relayNotified;
  expect(heard).toHaveLength(1);
  // The two rollup specs share a key: one job (add_jobs could not upsert one key twice).
  const jobs = await pool<{ task: string; key: string }[]>`
    select task_identifier as task, key from graphile_worker.jobs order by task_identifier, key`;
  expect(jobs.map((job) => job.task)).toEqual([
    'suggest_category',
    'suggest_category',
    'update_daily_metrics',
  ]);
  expect(jobs[2]?.key).toBe(`update_daily_metrics:${userId}:2026-02-01`);
  expect(await counts()).toEqual({ outbox: 0, jobs: 3 });
  expect(await relayOutbox(pool)).toBe(0);
  await listener.unsafe('unlisten "jobs:insert"');
});

it('a rolled-back write leaves no outbox row', async () => {
  const before = await counts();
  await expect(
    drizzle(pool).transaction(async (tx) => {
      await insertExpensesWithJobs(tx, userId, [row('rolled back')], 60_000);
      throw new Error('abort');
    }),
  ).rejects.toThrow('abort');
  expect(await counts()).toEqual(before);
});

it('relays take disjoint rows: rows another relay holds are skipped, not waited for', async () => {
  await relayOutbox(pool);
  const db = drizzle(pool);
  const spec = (n: number) => ({
    task: 'send_notification' as const,
    payload: { userId, event: 'export_ready' as const, data: { n } },
  });
  await db.execute(outboxJobsSql([spec(1), spec(2), spec(3)]));
  const { fired: released, fire: release } = signal();
  const { fired: holding, fire: held } = signal();
  // Another relay's transaction holds the oldest row.
  const other = pool.begin(async (tx) => {
    await tx`select id from job_outbox order by id limit 1 for update`;
    held();
    await released;
  });
  await holding;
  expect(await relayOutbox(pool)).toBe(2);
  release();
  await other;
  expect(await relayOutbox(pool)).toBe(1);
  const payloads = await pool<{ n: number }[]>`
    select (j.payload->'data'->>'n')::int as n from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = 'send_notification' order by 1`;
  expect(payloads.map((p) => p.n)).toEqual([1, 2, 3]);
});
