import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollUpUser } from '../../src/db/queries/daily-metrics.js';
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
    expect(await seed(sql, options)).toMatchObject({ users: 7, expenses: 2500 });
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

  it('seeded users read live until rolled up, and the same after', async () => {
    await seed(sql, { users: 2, expenses: 1500, until: '2026-06-30', days: 60 });
    const login = await t.gql(
      `mutation($input: LogInInput!) { logIn(input: $input) { token user { id } } }`,
      {
        input: { email: 'user1@seed.ledgerline.dev', password: SEED_PASSWORD },
      },
    );
    const token = login.data?.logIn.token;
    const userId = Number(
      Buffer.from(login.data?.logIn.user.id, 'base64').toString().split(':')[1],
    );
    const [truth] = await sql`select sum(amount)::text as total, count(*)::int as n from expenses
      where user_id = ${userId} and expense_date between '2026-05-01' and '2026-06-30'`;
    const summary = (alias: string) =>
      `{ viewer { ${alias}: summary(from: "2026-05-01", to: "2026-06-30") { total count byCategory { total } } } }`;
    const live = (await t.gql(summary('live'), {}, token)).data?.viewer.live;
    expect(live).toMatchObject({ total: truth?.total, count: truth?.n });
    const [queued] =
      await sql`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'rollup_user'`;
    expect(queued?.n).toBeGreaterThanOrEqual(2);
    // What the queued rollup_user job does.
    await drizzle(sql).transaction((tx) => rollUpUser(tx, userId));
    const rolled = (await t.gql(summary('rolled'), {}, token)).data?.viewer.rolled;
    expect(rolled).toEqual(live);
  });
});
