import { describe, expect, it } from 'vitest';
import { grantAdmin } from '../helpers/admin.js';
import { type TestApp, useTestApp } from '../helpers/app.js';
import { withSql } from '../helpers/factories.js';
import {
  CREATE_CATEGORY,
  CREATE_EXPENSE,
  CREATE_EXPENSES,
  VIEWER_CATEGORIES,
} from '../helpers/operations.js';
import { eventually, until } from '../helpers/wait.js';

const batched = useTestApp();
const naive = useTestApp({ LOADERS: 'off' });
// No entity cache, so every row read is a statement.
const uncached = useTestApp({ CACHE_ENABLED: 'false' });

const NESTED = `{ viewer { categories(first: 50) { nodes { expenseCount expenses(first: 5) { nodes { amount user { id } category { name } } } } } } }`;

/** A user with `extra` categories beyond the defaults, each with `perCategory` expenses. */
async function userWith(t: TestApp, extra: number, perCategory: number): Promise<string> {
  const { token } = await t.signUp();
  const ids: string[] = [];
  for (let i = 0; i < extra; i++) {
    const res = await t.gql(CREATE_CATEGORY, { input: { name: `Category ${i}` } }, token);
    ids.push(res.data?.createCategory.category.id);
  }
  const expenses = ids.flatMap((categoryId, c) =>
    Array.from({ length: perCategory }, (_, i) => ({
      amount: `${i + 1}.25`,
      description: `c${c} e${i}`,
      date: `2026-02-${String((i % 28) + 1).padStart(2, '0')}`,
      categoryId,
    })),
  );
  if (expenses.length) await t.gql(CREATE_EXPENSES, { input: { expenses } }, token);
  return token;
}

describe('DataLoader batching', () => {
  it('runs the nested category query in at most 5 statements, however many rows', async () => {
    const small = await userWith(batched, 2, 2);
    const large = await userWith(batched, 40, 8);
    const a = await batched.gqlCounted(NESTED, {}, small);
    const b = await batched.gqlCounted(NESTED, {}, large);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    const categories = b.data?.viewer.categories.nodes;
    expect(categories).toHaveLength(47);
    const filled = categories.filter((c: { expenseCount: number }) => c.expenseCount === 8);
    expect(filled).toHaveLength(40);
    for (const c of filled) expect(c.expenses.nodes).toHaveLength(5);
    expect(b.sql).toBeLessThanOrEqual(5);
    expect(b.sql).toBe(a.sql);
  });

  it('keeps an admin fan-out over many users at one statement per level', async () => {
    for (let i = 0; i < 3; i++) await userWith(batched, 3, 3);
    const admin = await batched.signUp({ email: 'admin@example.com' });
    await grantAdmin(batched.app, admin.email);
    const query = `{ users(first: 50) { totalCount nodes { email categories(first: 10) { totalCount nodes { name keywords expenses(first: 5) { totalCount nodes { amount category { id } user { id } } } } } } } }`;
    const res = await batched.gqlCounted(query, {}, admin.token);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data?.users.nodes.length).toBeGreaterThanOrEqual(6);
    // users, users count, categories, category counts, keywords, expenses, expense counts.
    expect(res.sql).toBeLessThanOrEqual(7);
  });

  it("reads the viewer's own row only when one of its columns is asked for", async () => {
    const { token, email } = await uncached.signUp();
    const lists = `{ viewer { id categories(first: 3) { nodes { name } } } }`;
    const named = `{ viewer { name categories(first: 3) { nodes { name } } } }`;
    const hidden = `{ viewer { ...Lists } } fragment Lists on User {
      ... on User { email } categories(first: 3) { nodes { name } } }`;
    const a = await uncached.gqlCounted(lists, {}, token);
    const b = await uncached.gqlCounted(named, {}, token);
    const c = await uncached.gqlCounted(hidden, {}, token);
    for (const res of [a, b, c]) expect(res.errors).toBeUndefined();
    // The categories page alone: the user's id comes from the verified token.
    expect(a.sql).toBe(1);
    expect(a.data?.viewer.categories.nodes).toHaveLength(3);
    expect(b.sql).toBe(2);
    expect(b.data?.viewer.name).toBe('Test User');
    expect(c.sql).toBe(2);
    expect(c.data?.viewer.email).toBe(email);
  });

  it("answers a user's expense page with its categories and total in one statement", async () => {
    const { token } = await uncached.signUp();
    const categories = (
      await uncached.gql('{ viewer { categories(first: 2) { nodes { id name } } } }', {}, token)
    ).data?.viewer.categories.nodes as { id: string; name: string }[];
    const [first, second] = categories as [
      { id: string; name: string },
      { id: string; name: string },
    ];
    const expenses = [
      { amount: '1.00', description: 'a', date: '2026-03-01', categoryId: first.id },
      { amount: '2.00', description: 'b', date: '2026-03-02', categoryId: second.id },
      { amount: '3.00', description: 'c', date: '2026-03-03', categoryId: first.id },
      { amount: '4.00', description: 'd', date: '2026-03-04' },
    ];
    await uncached.gql(CREATE_EXPENSES, { input: { expenses } }, token);
    const dashboard = await uncached.gqlCounted(
      `{ viewer { expenses(first: 20) { totalCount nodes { description category { id name } } } } }`,
      {},
      token,
    );
    expect(dashboard.errors).toBeUndefined();
    expect(dashboard.sql).toBe(1);
    expect(dashboard.data?.viewer.expenses).toEqual({
      totalCount: 4,
      nodes: [
        { description: 'd', category: null },
        { description: 'c', category: first },
        { description: 'b', category: second },
        { description: 'a', category: first },
      ],
    });
    const viaEdges = await uncached.gqlCounted(
      `{ viewer { expenses(last: 2) { edges { node { ...Shown } } } } }
       fragment Shown on Expense { description category { name } }`,
      {},
      token,
    );
    expect(viaEdges.sql).toBe(1);
    // A filtered list, and one whose page is empty, still count right in that statement.
    const filtered = await uncached.gqlCounted(
      `query($c: ID!) { viewer {
        some: expenses(first: 1, filter: { categoryId: $c }) { totalCount nodes { description } }
        none: expenses(filter: { search: "nothing like it" }) { totalCount nodes { description } }
      } }`,
      { c: first.id },
      token,
    );
    expect(filtered.errors).toBeUndefined();
    expect(filtered.data?.viewer).toEqual({
      some: { totalCount: 2, nodes: [{ description: 'c' }] },
      none: { totalCount: 0, nodes: [] },
    });
    expect(filtered.sql).toBe(2);
    expect(viaEdges.data?.viewer.expenses.edges).toEqual([
      { node: { description: 'b', category: { name: second.name } } },
      { node: { description: 'a', category: { name: first.name } } },
    ]);
  });

  it('answers node(id) for an expense with its category in one statement, as two would', async () => {
    const { token } = await uncached.signUp();
    const other = await uncached.signUp();
    const admin = await uncached.signUp({ email: 'admin@example.com' });
    await grantAdmin(uncached.app, admin.email);
    const listed = await uncached.gql(VIEWER_CATEGORIES, {}, token);
    const [category] = (listed.data?.viewer.categories.nodes ?? []) as {
      id: string;
      name: string;
    }[];
    const created = await uncached.gql(
      CREATE_EXPENSES,
      {
        input: {
          expenses: [
            { amount: '12.50', description: 'lunch', date: '2026-03-01', categoryId: category?.id },
            { amount: '3.00', description: 'bus', date: '2026-03-02', categoryId: null },
          ],
        },
      },
      token,
    );
    const [categorized, uncategorized] = (created.data?.createExpenses.expenses ?? []) as {
      id: string;
    }[];
    const fields =
      'id amount currency description merchant date createdAt updatedAt categorySource';
    const withCategory = `query($id: ID!) { node(id: $id) { ... on Expense {
      ${fields} category { id name color } } } }`;
    const joined = await uncached.gqlCounted(withCategory, { id: categorized?.id }, token);
    expect(joined.errors).toBeUndefined();
    expect(joined.sql).toBe(1);
    expect(joined.data?.node.category).toMatchObject(category ?? {});
    // The two-statement path gives the same answer: the expense alone, then its category.
    const alone = await uncached.gqlCounted(
      `query($id: ID!) { node(id: $id) { ... on Expense { ${fields} } } }`,
      { id: categorized?.id },
      token,
    );
    const byId = await uncached.gqlCounted(
      `query($id: ID!) { node(id: $id) { ... on Category { id name color } } }`,
      { id: category?.id },
      token,
    );
    expect(alone.sql + byId.sql).toBe(2);
    expect(joined.data?.node).toEqual({ ...alone.data?.node, category: byId.data?.node });
    // Uncategorized, and through nodes(ids) for several at once: still one statement.
    const none = await uncached.gqlCounted(withCategory, { id: uncategorized?.id }, token);
    expect(none.sql).toBe(1);
    expect(none.data?.node.category).toBeNull();
    const both = await uncached.gqlCounted(
      `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Expense { id category { name } } } }`,
      { ids: [uncategorized?.id, categorized?.id] },
      token,
    );
    expect(both.sql).toBe(1);
    expect(both.data?.nodes).toEqual([
      { id: uncategorized?.id, category: null },
      { id: categorized?.id, category: { name: category?.name } },
    ]);
    // Another user sees nothing (in one statement too); an admin reads it all.
    const stranger = await uncached.gqlCounted(withCategory, { id: categorized?.id }, other.token);
    expect(stranger.errors).toBeUndefined();
    expect(stranger.data?.node).toBeNull();
    expect(stranger.sql).toBe(1);
    const audited = await uncached.gqlCounted(withCategory, { id: categorized?.id }, admin.token);
    expect(audited.data?.node).toEqual(joined.data?.node);
    expect(audited.sql).toBe(1);
  });

  it("answers a summary with its categories' names in one statement, as the by-id reads would", async () => {
    const { token } = await uncached.signUp();
    const listed = await uncached.gql(VIEWER_CATEGORIES, {}, token);
    const [food, travel] = (listed.data?.viewer.categories.nodes ?? []) as { id: string }[];
    const expenses = [
      { amount: '4.00', description: 'a', date: '2026-05-01', categoryId: food?.id },
      { amount: '9.00', description: 'b', date: '2026-05-02', categoryId: travel?.id },
      { amount: '2.50', description: 'c', date: '2026-05-02' },
      { amount: '1.00', description: 'd', date: '2026-05-03', categoryId: food?.id },
    ];
    await uncached.gql(CREATE_EXPENSES, { input: { expenses } }, token);
    const summary = (byCategory: string) =>
      `{ viewer { summary(from: "2026-05-01", to: "2026-05-31") { total count byCategory { ${byCategory} } } } }`;
    const joined = await uncached.gqlCounted(
      summary('total count category { id name color }'),
      {},
      token,
    );
    expect(joined.errors).toBeUndefined();
    expect(joined.sql).toBe(1);
    // Without the categories in the selection, the same rows in the same order.
    const plain = await uncached.gqlCounted(summary('total count'), {}, token);
    expect(plain.sql).toBe(1);
    const rows = joined.data?.viewer.summary.byCategory as { category: { id: string } | null }[];
    expect(rows.map(({ category: _, ...row }) => row)).toEqual(
      plain.data?.viewer.summary.byCategory,
    );
    expect(rows.map((row) => row.category?.id ?? null)).toEqual([travel?.id, food?.id, null]);
    // Each category as its own by-id read answers it.
    for (const row of rows.filter((row) => row.category !== null)) {
      const byId = await uncached.gql(
        `query($id: ID!) { node(id: $id) { ... on Category { id name color } } }`,
        { id: row.category?.id },
        token,
      );
      expect(row.category).toEqual(byId.data?.node);
    }
  });

  it('pages categories with their keywords in one statement (aggregated, alphabetical)', async () => {
    const { token } = await uncached.signUp();
    const created = await uncached.gql(
      CREATE_CATEGORY,
      { input: { name: 'Pets', keywords: ['vet', 'kibble', 'Leash'] } },
      token,
    );
    expect(created.errors).toBeUndefined();
    await uncached.gql(CREATE_CATEGORY, { input: { name: 'Bare' } }, token);
    const query = `{ viewer { categories(first: 50) {
      nodes { name keywords }
      edges { node { id keywords } }
    } } }`;
    const res = await uncached.gqlCounted(query, {}, token);
    expect(res.errors).toBeUndefined();
    expect(res.sql).toBe(1);
    const nodes = res.data?.viewer.categories.nodes as { name: string; keywords: string[] }[];
    const byName = new Map(nodes.map((node) => [node.name, node.keywords]));
    expect(byName.get('Pets')).toEqual(created.data?.createCategory.category.keywords);
    expect(byName.get('Pets')).toEqual([...(byName.get('Pets') ?? [])].sort());
    expect(byName.get('Pets')).toHaveLength(3);
    expect(byName.get('Bare')).toEqual([]);
    // Without keywords in the selection the statement does not aggregate them.
    const plain = await uncached.gqlCounted(VIEWER_CATEGORIES, {}, token);
    expect(plain.sql).toBe(1);
  });

  it('creates an expense in two statements, marking its day dirty and queueing its rollup', async () => {
    const { token, id } = await uncached.signUp();
    const category = (await uncached.gql(VIEWER_CATEGORIES, {}, token)).data?.viewer.categories
      .nodes[0].id;
    const input = { amount: '4.20', description: 'tea', date: '2026-04-01', categoryId: category };
    const res = await uncached.gqlCounted(CREATE_EXPENSE, { input }, token);
    expect(res.errors).toBeUndefined();
    // The category check, and one write: the insert (in the user's currency), the dirty mark and
    // its job (no BEGIN/COMMIT around them).
    expect(res.sql).toBe(2);
    const userId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
    // The jobs go through the outbox; this process's relay moves them into graphile-worker.
    const state = await eventually(async () => {
      const [row] = await withSql(
        uncached.databaseUrl,
        (sql) => sql`select
        (select count(*)::int from expenses where user_id = ${userId}) as expenses,
        (select count(*)::int from daily_metrics_dirty
          where user_id = ${userId} and day = '2026-04-01') as dirty,
        (select count(*)::int from graphile_worker.jobs
          where key = ${`update_daily_metrics:${userId}:2026-04-01`}) as jobs,
        (select count(*)::int from graphile_worker.jobs where key in (
          select 'suggest_category:' || id from expenses where user_id = ${userId})) as suggestions,
        (select count(*)::int from job_outbox) as outbox`,
      );
      return row?.outbox === 0 ? row : undefined;
    });
    expect(state).toEqual({ expenses: 1, dirty: 1, jobs: 1, suggestions: 0, outbox: 0 });
  });

  it('creates uncategorized expenses over two days in one write, with a suggestion job each', async () => {
    const { token, id } = await uncached.signUp();
    const expenses = [
      { amount: '1.00', description: 'bus', date: '2026-04-01' },
      { amount: '2.00', description: 'tram', date: '2026-04-02' },
      { amount: '3.00', description: 'taxi', date: '2026-04-02' },
    ];
    const res = await uncached.gqlCounted(CREATE_EXPENSES, { input: { expenses } }, token);
    expect(res.errors).toBeUndefined();
    // Only the write.
    expect(res.sql).toBe(1);
    const userId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
    // Once the relay has moved the outbox into graphile-worker.
    await until(async () => {
      const [row] = await withSql(
        uncached.databaseUrl,
        (sql) => sql`select count(*)::int as n from job_outbox`,
      );
      return row?.n === 0;
    });
    const rows = await withSql(
      uncached.databaseUrl,
      (sql) => sql`select e.description, e.id::text as id, j.payload->>'expenseId' as "expenseId"
        from expenses e
        left join graphile_worker._private_jobs j on j.key = 'suggest_category:' || e.id
        where e.user_id = ${userId} order by e.id`,
    );
    expect(rows.map((row) => row.description)).toEqual(['bus', 'tram', 'taxi']);
    for (const row of rows) expect(row.expenseId).toBe(row.id);
    const [marks] = await withSql(
      uncached.databaseUrl,
      (sql) => sql`select
        (select count(*)::int from daily_metrics_dirty where user_id = ${userId}) as dirty,
        (select count(*)::int from graphile_worker.jobs
          where key like ${`update_daily_metrics:${userId}:%`}) as rollups`,
    );
    expect(marks).toEqual({ dirty: 2, rollups: 2 });
  });

  it('the naive path (LOADERS=off) pays per row, which is what batching removes', async () => {
    const token = await userWith(naive, 10, 3);
    const res = await naive.gqlCounted(NESTED, {}, token);
    expect(res.errors).toBeUndefined();
    expect(res.sql).toBeGreaterThan(20);
  });
});
