/**
 * The load run starts and ends on the database it was given: the accounts an earlier run made
 * (sign-ups, the reader, the bulk writer with its half a million rows) go, with everything of
 * theirs; the seed's users and the reused admin stay.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { removeLoadAccounts } from '../../load/rollup.js';
import { createTestDatabase } from '../helpers/database.js';

let pool: postgres.Sql;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  pool = postgres(db.url, { max: 2, onnotice: () => {} });
});
afterAll(async () => {
  await pool.end();
  await drop();
});

/** A user with a category and an expense in it. */
async function userWithData(email: string): Promise<number> {
  const [user] = await pool<{ id: number }[]>`
    insert into users (email, email_key, name, password_hash)
    values (${email}, lower(${email}), 'L', 'x') returning id::int`;
  const userId = user?.id as number;
  const [category] = await pool<{ id: number }[]>`
    insert into categories (user_id, name) values (${userId}, 'Food') returning id::int`;
  await pool`
    insert into expenses (user_id, category_id, amount, currency, description, expense_date,
                          category_source)
    values (${userId}, ${category?.id as number}, '1.00', 'USD', 'x', '2026-01-10', 'MANUAL')`;
  return userId;
}

it('deletes the accounts load runs made, with their rows, and keeps every other user', async () => {
  const kept = [
    'user1@seed.ledgerline.dev',
    'load-admin@example.com',
    'someone@example.com',
    'load-signup@example.com',
  ];
  const made = [
    'load-signup-1795397307406-17@example.com',
    'load-reader-1795397307406@example.com',
    'load-bulk-1795397307406@example.com',
    'load-jobs-1795397307406@example.com',
  ];
  for (const email of [...kept, ...made]) await userWithData(email);

  expect(await removeLoadAccounts(pool)).toBe(made.length);

  const users = await pool<{ email: string }[]>`select email from users order by email`;
  expect(users.map((u) => u.email)).toEqual([...kept].sort());
  const [rows] = await pool<{ expenses: number; categories: number }[]>`select
    (select count(*)::int from expenses) as expenses,
    (select count(*)::int from categories) as categories`;
  expect(rows).toEqual({ expenses: kept.length, categories: kept.length });
  // A second run finds nothing left to remove.
  expect(await removeLoadAccounts(pool)).toBe(0);
});
