import { describe, expect, it } from 'vitest';
import { createDb, createPool } from '../../src/db/client.js';
import { poolRunner } from '../../src/db/guarded-sql.js';
import { createLoaders } from '../../src/loaders/create-loaders.js';
import { grantAdmin } from '../helpers/admin.js';
import { testConfig, useTestApp } from '../helpers/app.js';
import { CREATE_EXPENSES } from '../helpers/operations.js';

/**
 * Nested connections planned at their parent list answer exactly what the loader path answers,
 * in as many statements. A directive on a field keeps it (and what is planned below it) off the
 * plan, so the same query with `@include(if: true)` is the loader path's answer.
 */
const t = useTestApp({ CACHE_ENABLED: 'false' });

const fanOut = (directive: string) => `query FanOut($n: Int) {
  users(first: 10) { nodes { id name
    categories(first: 4) ${directive} { totalCount pageInfo { hasNextPage endCursor }
      nodes { name expenses(first: $n) ${directive} {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { cursor node { amount date description } }
      } }
    }
    expenses(first: 2) ${directive} { nodes { amount category { name } } }
  } }
}`;

describe('nested connections planned at the parent list', () => {
  it('answer as the loader path does, in as many statements', async () => {
    const admin = await t.signUp({ email: 'admin@example.com' });
    await grantAdmin(t.app, admin.email);
    for (let u = 0; u < 3; u++) {
      const user = await t.signUp();
      const categories = await t.gql(
        '{ viewer { categories(first: 3) { nodes { id } } } }',
        {},
        user.token,
      );
      const ids = categories.data?.viewer.categories.nodes.map((c: { id: string }) => c.id);
      await t.gql(
        CREATE_EXPENSES,
        {
          input: {
            expenses: Array.from({ length: 12 }, (_, i) => ({
              amount: `${u + 1}.${String(i).padStart(2, '0')}`,
              description: `row ${i}`,
              categoryId: ids[i % ids.length],
              date: `2026-0${(i % 9) + 1}-1${u}`,
            })),
          },
        },
        user.token,
      );
    }
    for (const n of [2, 5]) {
      const plannedRun = await t.gqlCounted(fanOut(''), { n }, admin.token);
      const loaderRun = await t.gqlCounted(fanOut('@include(if: true)'), { n }, admin.token);
      expect(plannedRun.errors).toBeUndefined();
      expect(plannedRun.data).toEqual(loaderRun.data);
      expect(plannedRun.sql).toBeLessThanOrEqual(loaderRun.sql);
      const users: { categories: { nodes: { expenses: { edges: unknown[] } }[] } }[] =
        plannedRun.data?.users.nodes;
      expect(users.length).toBe(4);
      const withExpenses = users.flatMap((u) =>
        u.categories.nodes.filter((c) => c.expenses.edges.length > 0),
      );
      expect(withExpenses.length).toBeGreaterThan(0);
    }
  });

  it('leaves bad arguments to the rows themselves: each reports its error', async () => {
    const admin = await t.signUp({ email: 'admin@example.com' }).catch(() => undefined);
    const token =
      admin?.token ??
      (
        await t.gql(
          'mutation { logIn(input: { email: "admin@example.com", password: "password123" }) { token } }',
        )
      ).data?.logIn.token;
    const planned = await t.gql(fanOut(''), { n: 500 }, token);
    const loaders = await t.gql(fanOut('@include(if: true)'), { n: 500 }, token);
    expect(planned.errors?.length).toBeGreaterThan(0);
    expect(planned.errors?.map((e) => e.extensions?.code)).toEqual(
      loaders.errors?.map((e) => e.extensions?.code),
    );
    expect(planned.errors?.map((e) => e.path)).toEqual(loaders.errors?.map((e) => e.path));
  });
});

describe('lists that read some columns', () => {
  it('never answer a later by-id read of other columns', async () => {
    const user = await t.signUp();
    const created = await t.gql(
      CREATE_EXPENSES,
      {
        input: {
          expenses: [
            { amount: '4.10', description: 'narrow list', merchant: 'Corner', date: '2026-03-01' },
          ],
        },
      },
      user.token,
    );
    const id = Number(
      Buffer.from(created.data?.createExpenses.expenses[0].id, 'base64').toString().split(':')[1],
    );
    const userId = Number(Buffer.from(user.id, 'base64').toString().split(':')[1]);
    const pool = createPool(t.databaseUrl, testConfig(t.databaseUrl).db, 'ledgerline-partial');
    try {
      const sql = poolRunner(pool);
      const loaders = createLoaders(sql, createDb(pool));
      const pages = await loaders.pages.expensesByOwner([userId], {
        owner: 'user',
        filter: {},
        order: 'DATE_DESC',
        window: { limit: 5, backward: false, cursor: null },
        include: { columns: ['amount'] },
      });
      expect(pages.get(userId)?.[0]).toMatchObject({ id, amount: '4.10' });
      expect(pages.get(userId)?.[0]?.description).toBeUndefined();
      // The by-id loader reads the whole row: the partial one was not primed into it.
      expect(await loaders.expenseById.load(id)).toMatchObject({
        description: 'narrow list',
        merchant: 'Corner',
        currency: 'USD',
        expenseDate: '2026-03-01',
      });
    } finally {
      await pool.end();
    }
  });
});
