import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantAdmin } from '../helpers/admin.js';
import type { Json } from '../helpers/app.js';
import { type Client, counter, startTwo } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { CREATE_CATEGORY, CREATE_EXPENSE, CREATE_EXPENSES } from '../helpers/operations.js';

/**
 * The response and entity cache on real Redis, with two instances sharing it and one database.
 */
let a: Client;
let b: Client;
let drop: () => Promise<void>;

const SIGN_UP = `mutation($email: String!) { signUp(input: { email: $email, name: "C", password: "password123" }) { token user { id } } }`;
const DASHBOARD = `{ viewer { expenses(first: 20) { totalCount nodes { id amount description category { name } } } } }`;
const CATEGORIES = `{ viewer { categories(first: 50) { totalCount nodes { id name keywords expenseCount totalSpent } } } }`;
const SUMMARY = `{ viewer { summary(from: "2026-01-01", to: "2026-12-31") { total count byCategory { category { name } total } } dailyMetrics(from: "2026-09-01", to: "2026-09-02") { total count } } }`;

let seq = 0;
async function signUp(client: Client = a) {
  const res = await client.gql(SIGN_UP, { email: `cache${++seq}@example.com` });
  return {
    token: res.body.data.signUp.token as string,
    id: res.body.data.signUp.user.id as string,
  };
}

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  [a, b] = await startTwo(db.url);
});
afterAll(async () => {
  await a?.app.stop();
  await b?.app.stop();
  await drop?.();
});

describe('response cache', () => {
  it('serves a repeated query from L1 with no SQL, an ETag and 304 on If-None-Match', async () => {
    const { token } = await signUp();
    const first = await a.gql(DASHBOARD, {}, token);
    expect(first.cache).toBe('MISS');
    expect(first.sql).toBeGreaterThan(0);
    const second = await a.gql(DASHBOARD, {}, token);
    expect(second).toMatchObject({ cache: 'HIT', sql: 0, body: first.body });
    const response = await a.post(DASHBOARD, {}, token);
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^W\/".+"$/);
    expect(response.headers.get('cache-control')).toBe('private, max-age=60');
    const notModified = await a.post(DASHBOARD, {}, token, { 'if-none-match': etag as string });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
  });

  it('serves from L2 (Redis) once L1 is cleared, and on another instance', async () => {
    const { token } = await signUp();
    await a.gql(CATEGORIES, {}, token);
    a.app.cache?.store.clearLocal();
    const l2Before = await counter(a.app, 'hits', { level: 'l2', kind: 'response' });
    const again = await a.gql(CATEGORIES, {}, token);
    expect(again).toMatchObject({ cache: 'HIT', sql: 0 });
    expect(await counter(a.app, 'hits', { level: 'l2', kind: 'response' })).toBe(l2Before + 1);
    const onB = await b.gql(CATEGORIES, {}, token);
    expect(onB).toMatchObject({ cache: 'HIT', sql: 0, body: again.body });
  });

  it('never shares a response between two users sending the same query', async () => {
    const alice = await signUp();
    const bob = await signUp();
    await a.gql(
      CREATE_EXPENSE,
      { input: { amount: '1.00', description: 'alice only' } },
      alice.token,
    );
    const forAlice = await a.gql(DASHBOARD, {}, alice.token);
    const forBob = await a.gql(DASHBOARD, {}, bob.token);
    expect(forAlice.body.data.viewer.expenses.totalCount).toBe(1);
    expect(forBob.body.data.viewer.expenses.totalCount).toBe(0);
    expect(forBob.cache).toBe('MISS');
  });

  it('does not cache errors or mutations', async () => {
    const { token } = await signUp();
    const bad = `{ viewer { expenses(first: 500) { totalCount } } }`;
    expect((await a.gql(bad, {}, token)).cache).toBeNull();
    expect((await a.gql(bad, {}, token)).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const created = await a.gql(
      CREATE_EXPENSE,
      { input: { amount: '1.00', description: 'x' } },
      token,
    );
    expect(created.cache).toBeNull();
  });
});

describe('read-your-writes after every mutation, on both instances', () => {
  /** Warms both instances' caches with `query`, runs `write`, and checks both see the change. */
  async function expectFresh(
    token: string,
    query: string,
    write: () => Promise<unknown>,
    check: (data: Json) => void,
  ) {
    await a.gql(query, {}, token);
    await b.gql(query, {}, token);
    expect((await a.gql(query, {}, token)).cache).toBe('HIT');
    await write();
    for (const client of [a, b]) {
      const res = await client.gql(query, {}, token);
      expect(res.body.errors).toBeUndefined();
      check(res.body.data);
    }
  }

  it('createExpense refreshes lists, counts and summaries cached while empty', async () => {
    const { token } = await signUp();
    const food = (await a.gql(CATEGORIES, {}, token)).body.data.viewer.categories.nodes.find(
      (c: Json) => c.name === 'Food & Dining',
    );
    await expectFresh(
      token,
      DASHBOARD,
      () =>
        a.gql(
          CREATE_EXPENSE,
          {
            input: {
              amount: '12.50',
              description: 'Lunch',
              date: '2026-09-01',
              categoryId: food.id,
            },
          },
          token,
        ),
      (data) => {
        expect(data.viewer.expenses.totalCount).toBe(1);
      },
    );
    await expectFresh(
      token,
      SUMMARY,
      () =>
        b.gql(
          CREATE_EXPENSE,
          {
            input: { amount: '0.50', description: 'Gum', date: '2026-09-02', categoryId: food.id },
          },
          token,
        ),
      (data) => {
        expect(data.viewer.summary.total).toBe('13.00');
        expect(data.viewer.dailyMetrics).toEqual([
          { total: '12.50', count: 1 },
          { total: '0.50', count: 1 },
        ]);
      },
    );
    await expectFresh(
      token,
      CATEGORIES,
      () =>
        a.gql(
          CREATE_EXPENSE,
          { input: { amount: '1.00', description: 'More', categoryId: food.id } },
          token,
        ),
      (data) => {
        const row = data.viewer.categories.nodes.find((c: Json) => c.id === food.id);
        expect(row).toMatchObject({ expenseCount: 3, totalSpent: '14.00' });
      },
    );
  });

  it('createExpenses, updateExpense and deleteExpense', async () => {
    const { token } = await signUp();
    await expectFresh(
      token,
      DASHBOARD,
      () =>
        b.gql(
          CREATE_EXPENSES,
          {
            input: {
              expenses: [
                { amount: '1.00', description: 'one' },
                { amount: '2.00', description: 'two' },
              ],
            },
          },
          token,
        ),
      (data) => {
        expect(data.viewer.expenses.totalCount).toBe(2);
      },
    );
    const id = (await a.gql(DASHBOARD, {}, token)).body.data.viewer.expenses.nodes[0].id;
    await expectFresh(
      token,
      DASHBOARD,
      () =>
        a.gql(
          `mutation($id: ID!) { updateExpense(input: { id: $id, amount: "9.99" }) { expense { id } } }`,
          { id },
          token,
        ),
      (data) => {
        expect(data.viewer.expenses.nodes.find((n: Json) => n.id === id).amount).toBe('9.99');
      },
    );
    await expectFresh(
      token,
      DASHBOARD,
      () =>
        b.gql(
          `mutation($id: ID!) { deleteExpense(input: { id: $id }) { deletedId } }`,
          { id },
          token,
        ),
      (data) => {
        expect(data.viewer.expenses.totalCount).toBe(1);
      },
    );
    const node = `query($id: ID!) { node(id: $id) { id } }`;
    expect((await a.gql(node, { id }, token)).body.data.node).toBeNull();
  });

  it('createCategory, updateCategory (name and keywords, also inside expense lists) and deleteCategory', async () => {
    const { token } = await signUp();
    let categoryId = '';
    await expectFresh(
      token,
      CATEGORIES,
      async () => {
        categoryId = (
          await a.gql(CREATE_CATEGORY, { input: { name: 'Pets', keywords: ['vet'] } }, token)
        ).body.data.createCategory.category.id;
        await a.gql(
          CREATE_EXPENSE,
          { input: { amount: '30.00', description: 'Vet', categoryId } },
          token,
        );
      },
      (data) => {
        expect(data.viewer.categories.nodes.find((c: Json) => c.id === categoryId)).toMatchObject({
          name: 'Pets',
          keywords: ['vet'],
        });
      },
    );
    await expectFresh(
      token,
      DASHBOARD,
      () =>
        b.gql(
          `mutation($id: ID!) { updateCategory(input: { id: $id, name: "Animals", keywords: ["vet", "food"] }) { category { id } } }`,
          { id: categoryId },
          token,
        ),
      (data) => {
        expect(data.viewer.expenses.nodes[0].category.name).toBe('Animals');
      },
    );
    await expectFresh(
      token,
      CATEGORIES,
      async () => {},
      (data) => {
        expect(
          data.viewer.categories.nodes.find((c: Json) => c.id === categoryId).keywords,
        ).toEqual(['food', 'vet']);
      },
    );
    await expectFresh(
      token,
      DASHBOARD,
      () =>
        a.gql(
          `mutation($id: ID!) { deleteCategory(input: { id: $id }) { deletedId } }`,
          { id: categoryId },
          token,
        ),
      (data) => {
        expect(data.viewer.expenses.nodes[0].category).toBeNull();
      },
    );
  });

  it("an admin's cached view of everyone is refreshed by any user's write", async () => {
    const admin = (await a.gql(SIGN_UP, { email: 'admin@example.com' })).body.data.signUp.token;
    await grantAdmin(a.app, 'admin@example.com');
    const user = await signUp();
    const query = `query($id: ID!) { node(id: $id) { ... on User { expenses { totalCount } } } }`;
    const read = (client: Client) => client.gql(query, { id: user.id }, admin);
    await read(a);
    expect((await read(a)).cache).toBe('HIT');
    await b.gql(
      CREATE_EXPENSE,
      { input: { amount: '5.00', description: 'seen by admin' } },
      user.token,
    );
    expect((await read(a)).body.data.node.expenses.totalCount).toBe(1);
  });
});

describe('precise invalidation: a mutation invalidates only what its commands changed', () => {
  const LOG_IN = `mutation($email: String!) { logIn(input: { email: $email, password: "password123" }) { token } }`;
  const DELETE = `mutation($id: ID!) { deleteExpense(input: { id: $id }) { deletedId } }`;

  /** A user with a cached dashboard on both instances, and another user's beside it. */
  async function cachedDashboards() {
    const email = `precise${++seq}@example.com`;
    const user = await a.gql(SIGN_UP, { email });
    const token = user.body.data.signUp.token as string;
    const other = await signUp();
    for (const client of [a, b]) {
      for (const t of [token, other.token]) {
        await client.gql(DASHBOARD, {}, t);
        expect((await client.gql(DASHBOARD, {}, t)).cache).toBe('HIT');
      }
    }
    return { email, token, other: other.token };
  }

  it("a log-in, successful or not, leaves every cached answer in place, admins' too", async () => {
    const { email, token, other } = await cachedDashboards();
    const adminEmail = `precise-admin${++seq}@example.com`;
    const admin = (await a.gql(SIGN_UP, { email: adminEmail })).body.data.signUp.token;
    await grantAdmin(a.app, adminEmail);
    const users = '{ users(first: 5) { totalCount } }';
    await a.gql(users, {}, admin);
    expect((await a.gql(users, {}, admin)).cache).toBe('HIT');
    expect((await a.gql(LOG_IN, { email })).body.data.logIn.token).toBeTruthy();
    expect((await b.gql(LOG_IN, { email: 'nobody@example.com' })).body.errors).toBeDefined();
    expect((await a.gql(users, {}, admin)).cache).toBe('HIT');
    for (const client of [a, b]) {
      expect((await client.gql(DASHBOARD, {}, token)).cache).toBe('HIT');
      expect((await client.gql(DASHBOARD, {}, other)).cache).toBe('HIT');
    }
  });

  it('a write that finds nothing to change leaves every cached answer in place', async () => {
    const { token } = await cachedDashboards();
    const missing = Buffer.from('Expense:999999999').toString('base64');
    const res = await a.gql(DELETE, { id: missing }, token);
    expect(res.body.errors[0].extensions.code).toBe('NOT_FOUND');
    for (const client of [a, b]) expect((await client.gql(DASHBOARD, {}, token)).cache).toBe('HIT');
  });

  it("a write refreshes its user's answers and leaves another user's in place", async () => {
    const { token, other } = await cachedDashboards();
    const created = await a.gql(
      CREATE_EXPENSE,
      { input: { amount: '3.00', description: 'precise' } },
      token,
    );
    expect(created.body.errors).toBeUndefined();
    for (const client of [a, b]) {
      const mine = await client.gql(DASHBOARD, {}, token);
      expect(mine.body.data.viewer.expenses.totalCount).toBe(1);
      expect((await client.gql(DASHBOARD, {}, other)).cache).toBe('HIT');
    }
  });

  it('a mutation with a field whose changes are not reported still refreshes all of the viewer', async () => {
    const { email, token } = await cachedDashboards();
    await a.gql(CATEGORIES, {}, token);
    const both = await a.gql(
      `mutation($email: String!) {
        logIn(input: { email: $email, password: "password123" }) { token }
        createCategory(input: { name: "Precise" }) { category { id } } }`,
      { email },
      token,
    );
    expect(both.body.errors).toBeUndefined();
    const names = (await a.gql(CATEGORIES, {}, token)).body.data.viewer.categories.nodes.map(
      (c: Json) => c.name,
    );
    expect(names).toContain('Precise');
  });
});

describe('entity cache', () => {
  it('never caches a Job or Export read through node(id), with or without __typename', async () => {
    const { token } = await signUp();
    const requested = await a.gql(
      'mutation { requestExport(input: { format: CSV }) { export { id } } }',
      {},
      token,
    );
    const exportId = requested.body.data.requestExport.export.id as string;
    const submitted = await a.gql(
      'mutation { submitChatMessage(input: { text: "lunch 12.50" }) { job { id } } }',
      {},
      token,
    );
    const jobId = submitted.body.data.submitChatMessage.job.id as string;
    const polls = [
      [exportId, 'query P($id: ID!) { node(id: $id) { ... on Export { state rowCount } } }'],
      [exportId, 'query P($id: ID!) { node(id: $id) { __typename ... on Export { state } } }'],
      [exportId, 'fragment F on Export { state } query P($id: ID!) { node(id: $id) { ...F } }'],
      [jobId, 'query P($id: ID!) { nodes(ids: [$id]) { ... on Job { state result } } }'],
    ] as const;
    for (const [id, query] of polls) {
      for (let i = 0; i < 3; i++) {
        const poll = await a.gql(query, { id }, token);
        expect(poll.body.errors).toBeUndefined();
        expect(poll.cache, query).not.toBe('HIT');
      }
    }
    // Other node reads stay cached, identity fields of any type too.
    const { body } = await a.gql(DASHBOARD, {}, token);
    expect(body.errors).toBeUndefined();
    for (const query of [
      'query P($id: ID!) { node(id: $id) { __typename id } }',
      'query P($id: ID!) { node(id: $id) { __typename ... on Category { name } } }',
    ]) {
      const id = query.includes('Category')
        ? ((await a.gql(CATEGORIES, {}, token)).body.data.viewer.categories.nodes[0].id as string)
        : exportId;
      await a.gql(query, { id }, token);
      expect((await a.gql(query, { id }, token)).cache, query).toBe('HIT');
    }
  });

  it('serves users and categories from the cache on later requests', async () => {
    const { token } = await signUp();
    const cold = await a.gql(
      `{ viewer { name categories(first: 1) { nodes { name } } } }`,
      {},
      token,
    );
    expect(cold.sql).toBe(2);
    // Other documents (response-cache misses) find the user and categories in the entity cache.
    const warm = await a.gql(`{ viewer { email } }`, {}, token);
    expect(warm).toMatchObject({ cache: 'MISS', sql: 0 });
    const category = (
      await a.gql(`{ viewer { categories(first: 1) { nodes { id name } } } }`, {}, token)
    ).body.data.viewer.categories.nodes[0];
    // Another instance finds it in L2 once a's background write to Redis has landed. Each try
    // is a new document, so it is a response-cache miss and only the entity cache can answer.
    const node = (i: number) =>
      `query($id: ID!) { try${i}: node(id: $id) { ... on Category { name } } }`;
    let onB = await b.gql(node(0), { id: category.id }, token);
    for (let i = 1; i < 20 && onB.sql > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      onB = await b.gql(node(i), { id: category.id }, token);
    }
    expect(onB.sql).toBe(0);
    expect(Object.values(onB.body.data)).toEqual([{ name: category.name }]);
  });
});

describe('stampede protection', () => {
  it('computes 100 concurrent identical misses once', async () => {
    const { token } = await signUp();
    await a.gql(CREATE_EXPENSE, { input: { amount: '1.00', description: 'x' } }, token);
    const query = `query($n: Int) { viewer { expenses(first: $n) { totalCount nodes { amount } } } }`;
    // One computation of the same query, under another key (other variables), for its SQL count.
    const single = await a.gql(query, { n: 8 }, token);
    const coalescedBefore = await counter(a.app, 'coalesced');
    const hitsBefore = await counter(a.app, 'hits', { kind: 'response' });
    const sqlBefore = (await a.app.metrics.sqlStatements.get()).values[0]?.value ?? 0;
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => a.post(query, { n: 7 }, token)),
    );
    const bodies = await Promise.all(responses.map((r) => r.json()));
    const sql = ((await a.app.metrics.sqlStatements.get()).values[0]?.value ?? 0) - sqlBefore;
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    expect(bodies[0].data.viewer.expenses.totalCount).toBe(1);
    expect(sql).toBeLessThanOrEqual(single.sql);
    // Over a socket the requests arrive spread out: the other 99 either waited for the first
    // one's result or, arriving after it was stored, found it (one computation either way).
    const coalesced = (await counter(a.app, 'coalesced')) - coalescedBefore;
    const hits = (await counter(a.app, 'hits', { kind: 'response' })) - hitsBefore;
    expect(coalesced + hits).toBe(99);
  });
});

describe('visibility', () => {
  it('/metrics reports cache hits, misses, sets, invalidations and the hit ratio per level', async () => {
    const text = await (await a.app.yoga.fetch(new URL('/metrics', 'http://localhost'))).text();
    for (const pattern of [
      /cache_hits_total\{level="l1",kind="response"\} [1-9]/,
      /cache_misses_total\{level="l1",kind="response"\} [1-9]/,
      /cache_sets_total\{level="l2",kind="response"\} [1-9]/,
      /cache_invalidations_total\{kind="version"\} [1-9]/,
      /cache_hit_ratio\{level="l1"\} 0\.\d+/,
      /cache_hit_ratio\{level="l2"\}/,
    ]) {
      expect(text).toMatch(pattern);
    }
  });
});
