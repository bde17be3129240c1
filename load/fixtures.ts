/**
 * The data the scenarios read: tokens of seeded users, an admin, a user with 500 expenses and
 * the cursors of their pages, and a cursor 5,000 rows deep into a large user's list.
 */

import { drizzle } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import { setRole } from '../src/db/queries/users.js';
import { request } from './graphql-client.js';

const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { token } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`;
const CREATE_MANY = `mutation($input: CreateExpensesInput!) { createExpenses(input: $input) { count } }`;

export async function logIn(base: string, email: string): Promise<string | undefined> {
  try {
    const data = await request(base, LOG_IN, { input: { email, password: 'password123' } });
    return (data.logIn as { token: string }).token;
  } catch {
    return undefined;
  }
}

/** Signs up `email` (or logs in when it exists). */
/**
 * An admin's token: the account (made if need be), granted admin as `npm run admin -- grant`
 * does (signing up never makes an admin), then logged in again.
 */
export async function adminAccount(
  base: string,
  sql: postgres.Sql,
  email: string,
  name = 'Load Admin',
): Promise<string> {
  await account(base, email, name);
  if (!(await setRole(drizzle(sql), email, 'admin'))) throw new Error(`no account ${email}`);
  return (await logIn(base, email)) as string;
}

export async function account(base: string, email: string, name = 'Load'): Promise<string> {
  const existing = await logIn(base, email);
  if (existing) return existing;
  const data = await request(base, SIGN_UP, { input: { email, name, password: 'password123' } });
  return (data.signUp as { token: string }).token;
}

export async function firstCategoryId(base: string, token: string): Promise<string> {
  const data = await request(
    base,
    '{ viewer { categories(first: 1) { nodes { id } } } }',
    {},
    token,
  );
  const viewer = data.viewer as { categories: { nodes: { id: string }[] } };
  const id = viewer.categories.nodes[0]?.id;
  if (!id) throw new Error('the user has no categories');
  return id;
}

/** `count` expenses in one category (so no suggestion jobs), 1,000 per request. */
export async function addExpenses(
  base: string,
  token: string,
  count: number,
  categoryId: string,
): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const expenses = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({
      amount: `${(((start + i) % 97) + 1).toFixed(2)}`,
      description: `load row ${start + i}`,
      categoryId,
      date: `2026-${String(((start + i) % 12) + 1).padStart(2, '0')}-15`,
    }));
    await request(base, CREATE_MANY, { input: { expenses } }, token);
  }
}

export async function expenseCount(base: string, token: string): Promise<number> {
  const data = await request(base, '{ viewer { expenses { totalCount } } }', {}, token);
  return (data.viewer as { expenses: { totalCount: number } }).expenses.totalCount;
}

/** The end cursors of every page of `size` rows, in order (the first page needs none). */
export async function pageCursors(
  base: string,
  token: string,
  size: number,
  limit = Number.POSITIVE_INFINITY,
): Promise<string[]> {
  const cursors: string[] = [];
  let after: string | null = null;
  while (cursors.length < limit) {
    const data = await request(
      base,
      `query($after: String, $first: Int) { viewer { expenses(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor } } } }`,
      { after, first: size },
      token,
    );
    const info = (
      data.viewer as { expenses: { pageInfo: { hasNextPage: boolean; endCursor: string } } }
    ).expenses.pageInfo;
    cursors.push(info.endCursor);
    if (!info.hasNextPage) break;
    after = info.endCursor;
  }
  return cursors;
}
