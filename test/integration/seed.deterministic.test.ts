import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_PASSWORD, seed } from '../../src/db/seed.js';
import { useTestApp } from '../helpers/app.js';

const t = useTestApp();
let sql: postgres.Sql;

beforeAll(() => {
  sql = postgres(t.databaseUrl, { max: 4, onnotice: () => {} });
});
afterAll(() => sql.end());

async function fingerprint() {
  const [row] =
    await sql`select count(*)::int as n, sum(amount)::text as total, count(distinct user_id)::int as users,
    min(expense_date)::text as first, max(expense_date)::text as last from expenses`;
  return row;
}

describe('seed', () => {
  it('writes the requested rows, the same ones every time, with working logins', async () => {
    const options = { users: 7, expenses: 2500, until: '2026-06-30', days: 30 };
    expect(await seed(sql, options)).toEqual({ users: 7, expenses: 2500 });
    const first = await fingerprint();
    expect(first).toMatchObject({ n: 2500, users: 7, first: '2026-06-01', last: '2026-06-30' });
    await seed(sql, options);
    expect(await fingerprint()).toEqual(first);

    const login = await t.gql(
      `mutation($input: LogInInput!) { logIn(input: $input) { user { expenses(first: 1) { totalCount nodes { category { name } } } categories { totalCount } } } }`,
      {
        input: { email: 'user3@seed.ledgerline.dev', password: SEED_PASSWORD },
      },
    );
    expect(login.errors).toBeUndefined();
    expect(login.data?.logIn.user.expenses.totalCount).toBeGreaterThan(100);
    expect(login.data?.logIn.user.categories.totalCount).toBe(7);
  });
});
