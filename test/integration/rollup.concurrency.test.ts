/**
 * Two rollups of the same user and day at once (graphile-worker starts a second job with the
 * same key when a write lands while the first runs): both must succeed and leave one set of rows.
 */
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rollUpDay } from '../../src/db/queries/daily-metrics.js';
import { createTestDatabase } from '../helpers/database.js';

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

it('serializes two rollups of one day instead of failing the second on the primary key', async () => {
  const [user] = await pool<{ id: number }[]>`
    insert into users (email, name, password_hash) values ('roll@example.com', 'R', 'x')
    returning id::int`;
  const userId = user?.id as number;
  await pool`
    insert into expenses (user_id, amount, currency, description, expense_date, category_source)
    values (${userId}, 2.50, 'USD', 'a', '2026-01-10', 'UNCATEGORIZED'),
           (${userId}, 1.25, 'USD', 'b', '2026-01-10', 'UNCATEGORIZED')`;
  const db = drizzle(pool);

  let finishFirst = () => {};
  const firstHolds = new Promise<void>((resolve) => {
    finishFirst = resolve;
  });
  let firstRolledUp = () => {};
  const firstDone = new Promise<void>((resolve) => {
    firstRolledUp = resolve;
  });
  // The first rollup writes its rows and keeps its transaction open.
  const first = db.transaction(async (tx) => {
    await rollUpDay(tx, userId, '2026-01-10');
    firstRolledUp();
    await firstHolds;
  });
  await firstDone;
  // The second starts meanwhile; it may only finish after the first commits.
  const second = db.transaction((tx) => rollUpDay(tx, userId, '2026-01-10'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  finishFirst();
  await first;
  await expect(second).resolves.toBeUndefined();
  const rows = await db.execute<{ total: string; count: number }>(
    sql`select total::text, count from daily_metrics where user_id = ${userId}`,
  );
  expect([...rows]).toEqual([{ total: '3.75', count: 2 }]);
});
