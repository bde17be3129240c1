/**
 * Rollups racing each other and racing writes. A day can have several rollup jobs (one per
 * database session that wrote it, and graphile-worker queues a new one when a write lands while
 * the job with its key runs), and writes insert their dirty marks without waiting for anyone.
 */
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { poolRunner } from '../../src/db/guarded-sql.js';
import { rollUpDay } from '../../src/db/queries/daily-metrics.js';
import { insertExpensesWithJobs } from '../../src/db/queries/expense-inserts.js';
import { spendingSummary } from '../../src/db/queries/reports.js';
import { createTestDatabase } from '../helpers/database.js';
import { pendingExpense } from '../helpers/factories.js';
import { signal } from '../helpers/wait.js';

let pool: postgres.Sql;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  pool = postgres(db.url, { max: 4, onnotice: () => {} });
});
afterAll(async () => {
  await pool.end();
  await drop();
});

const DAY = '2026-01-10';

async function newUser(email: string): Promise<number> {
  const [user] = await pool<{ id: number }[]>`
    insert into users (email, email_key, name, password_hash)
    values (${email}, lower(${email}), 'R', 'x') returning id::int`;
  const userId = user?.id as number;
  await pool`insert into daily_metrics_coverage (user_id) values (${userId})`;
  return userId;
}

/** What a write does: the expense and its day's mark, committed together. */
async function write(db: postgres.Sql | postgres.TransactionSql, userId: number, amount: string) {
  await db`
    insert into expenses (user_id, amount, currency, description, expense_date, category_source)
    values (${userId}, ${amount}, 'USD', 'x', ${DAY}, 'UNCATEGORIZED')`;
  await db`insert into daily_metrics_dirty (user_id, day) values (${userId}, ${DAY})`;
}

async function state(userId: number) {
  const [row] = await pool<{ rolled: string | null; marks: number }[]>`select
    (select sum(total)::text from daily_metrics where user_id = ${userId}) as rolled,
    (select count(*)::int from daily_metrics_dirty where user_id = ${userId}) as marks`;
  return row;
}

it('serializes two rollups of one user: the second covers what was written while it waited', async () => {
  const userId = await newUser('roll@example.com');
  await write(pool, userId, '2.50');
  await write(pool, userId, '1.25');
  const db = drizzle(pool);

  const { fired: firstHolds, fire: finishFirst } = signal();
  const { fired: firstDone, fire: firstRolledUp } = signal();
  // The first rollup writes its rows and keeps its transaction open.
  const first = db.transaction(async (tx) => {
    const recomputed = await rollUpDay(tx, userId, DAY);
    firstRolledUp();
    await firstHolds;
    return recomputed;
  });
  await firstDone;
  // A write lands and a second rollup starts meanwhile; it may only run after the first commits.
  await write(pool, userId, '1.00');
  const second = db.transaction((tx) => rollUpDay(tx, userId, DAY));
  await new Promise((resolve) => setTimeout(resolve, 200));
  finishFirst();
  await expect(first).resolves.toBe(true);
  await expect(second).resolves.toBe(true);
  const rows = await db.execute<{ total: string; count: number }>(
    sql`select total::text, count from daily_metrics where user_id = ${userId}`,
  );
  expect([...rows]).toEqual([{ total: '4.75', count: 3 }]);
  expect(await state(userId)).toEqual({ rolled: '4.75', marks: 0 });
  // A third rollup of the day finds no marks: nothing to recompute.
  await expect(db.transaction((tx) => rollUpDay(tx, userId, DAY))).resolves.toBe(false);
});

it('a write that commits after a rollup looked keeps its day dirty, and reads stay exact', async () => {
  const userId = await newUser('race@example.com');
  await write(pool, userId, '2.00');
  const db = drizzle(pool);
  // The write is in flight (its expense and mark not committed) while the rollup runs.
  const { fired: writeMayCommit, fire: commitWrite } = signal();
  const { fired: writeDone, fire: written } = signal();
  const inFlight = pool.begin(async (tx) => {
    await write(tx, userId, '5.00');
    written();
    await writeMayCommit;
  });
  await writeDone;
  await expect(db.transaction((tx) => rollUpDay(tx, userId, DAY))).resolves.toBe(true);
  commitWrite();
  await inFlight;
  // The rollup holds what it saw; the late write's mark is still there.
  expect(await state(userId)).toEqual({ rolled: '2.00', marks: 1 });
  // So reads compute the day live and count the late write.
  const summary = await spendingSummary(poolRunner(pool), userId, DAY, DAY);
  expect(summary).toMatchObject({ total: '7.00', count: 2 });
  // Its own rollup catches up.
  await expect(db.transaction((tx) => rollUpDay(tx, userId, DAY))).resolves.toBe(true);
  expect(await state(userId)).toEqual({ rolled: '7.00', marks: 0 });
  expect(await spendingSummary(poolRunner(pool), userId, DAY, DAY)).toMatchObject({
    total: '7.00',
    count: 2,
  });
});

it("one user's concurrent writes to one day do not wait for each other's commit", async () => {
  const userId = await newUser('writers@example.com');
  const row = (description: string) => pendingExpense(userId, DAY, description);
  // A committed write first: graphile-worker registers a task name on its first job, and a
  // name registered by an open transaction makes the next job of that task wait for it.
  await insertExpensesWithJobs(drizzle(pool), userId, [row('earlier')], 60_000);
  // The next write is done but not committed (its transaction stays open).
  const { fired: firstMayCommit, fire: commitFirst } = signal();
  const { fired: firstDone, fire: firstWritten } = signal();
  const first = drizzle(pool).transaction(async (tx) => {
    await insertExpensesWithJobs(tx, userId, [row('first')], 60_000);
    firstWritten();
    await firstMayCommit;
  });
  await firstDone;
  // The second, on another connection, must not need a row the first holds: with a lock
  // timeout it fails instead of waiting (a shared dirty mark or job row would make it wait).
  const second = drizzle(pool).transaction(async (tx) => {
    await tx.execute(sql`set local lock_timeout = '2s'`);
    return insertExpensesWithJobs(tx, userId, [row('second')], 60_000);
  });
  const outcome = await second.then(
    (rows) => rows.map((r) => r.description),
    (error: Error & { cause?: Error }) => error.cause?.message ?? error.message,
  );
  commitFirst();
  await first;
  expect(outcome).toEqual(['second']);
  expect(await state(userId)).toMatchObject({ marks: 3 });
});
