import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDocumentStore,
  createPersistedResolver,
} from '../../src/graphql/persisted-operations.js';
import { createGraphqlPost } from '../../src/http/graphql-post.js';
import { createNodeHandler } from '../../src/http/node-handler.js';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { CREATE_EXPENSE } from '../helpers/operations.js';

/**
 * The direct path for JSON POSTs (src/http/graphql-post.ts) answers what yoga would, and hands
 * yoga what it does not serve. Every request is sent twice: over the socket (the direct path
 * when it applies) and through yoga.fetch (yoga alone); status, body and headers must agree.
 * The socket's handler counts what it hands to yoga. (The response cache is off here; the cache
 * tests reach the direct path with it on.)
 */
let client: Client;
let drop: () => Promise<void>;
let token: string;
let server: Server;
let base: string;
let handedToYoga = 0;

async function both(body: object, headers: Record<string, string> = {}) {
  const init = () => ({
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const before = handedToYoga;
  const direct = await fetch(`${base}/graphql`, init());
  const declined = handedToYoga > before;
  const viaYoga = await client.app.yoga.fetch('http://localhost/graphql', init());
  return {
    declined,
    direct: {
      status: direct.status,
      type: direct.headers.get('content-type'),
      body: await direct.json(),
    },
    yoga: {
      status: viaYoga.status,
      type: viaYoga.headers.get('content-type'),
      body: await viaYoga.json(),
    },
    requestId: direct.headers.get('x-request-id'),
  };
}

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  client = await startApp(db.url, { CACHE_ENABLED: 'false' });
  const { yoga, metrics } = client.app;
  const counting = Object.assign(Object.create(null), {
    fetch: (...args: Parameters<typeof yoga.fetch>) => {
      handedToYoga += 1;
      return yoga.fetch(...args);
    },
  }) as typeof yoga;
  const graphqlPost = createGraphqlPost({
    yoga,
    responseCache: undefined,
    resolvePersisted: createPersistedResolver({
      automatic: true,
      allowList: undefined,
      store: createDocumentStore(undefined, 'test'),
    }),
    metrics,
  });
  server = createServer(
    createNodeHandler({ yoga: counting, graphqlPost, maxBodyBytes: 100_000, metrics }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signUp = await client.gql(
    `mutation { signUp(input: { email: "p1@example.com", name: "P", password: "password123" }) { token } }`,
  );
  token = signUp.body.data.signUp.token;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await client?.app.stop();
  await drop?.();
});

describe('JSON POSTs to /graphql', () => {
  it('serves queries and mutations directly, as yoga would', async () => {
    const created = await both({
      query: CREATE_EXPENSE,
      variables: { input: { amount: '3.20', description: 'tea', date: '2026-01-02' } },
    });
    expect(created.declined).toBe(false);
    expect(created.direct.status).toBe(200);
    expect(created.direct.body.data.createExpense.expense.amount).toBe('3.20');
    expect(created.requestId).toMatch(/^[\w.:-]+$/);

    const query = {
      query: '{ viewer { email expenses(first: 5) { totalCount nodes { amount description } } } }',
    };
    const read = await both(query);
    expect(read.declined).toBe(false);
    expect(read.direct).toEqual(read.yoga);
    expect(read.direct.body.data.viewer.expenses.totalCount).toBe(2);
    expect(read.direct.type).toBe('application/json; charset=utf-8');

    const strict = await both(query, { accept: 'application/graphql-response+json' });
    expect(strict.declined).toBe(false);
    expect(strict.direct).toEqual(strict.yoga);
    expect(strict.direct.type).toBe('application/graphql-response+json; charset=utf-8');
  });

  it('answers execution errors with the status and body yoga gives them', async () => {
    const missing = await both({
      query: 'mutation($id: ID!) { deleteExpense(input: { id: $id }) { deletedId } }',
      variables: { id: Buffer.from('Expense:999999').toString('base64') },
    });
    expect(missing.declined).toBe(false);
    expect(missing.direct).toEqual(missing.yoga);
    expect(missing.direct.body.errors[0].extensions.code).toBe('NOT_FOUND');

    const badInput = await both({
      query: 'query($n: Int) { viewer { expenses(first: $n) { totalCount } } }',
      variables: { n: 500 },
    });
    expect(badInput.declined).toBe(false);
    expect(badInput.direct).toEqual(badInput.yoga);
    expect(badInput.direct.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('hands yoga what does not parse, validate or fit the common shape', async () => {
    for (const body of [
      { query: '{ viewer { id ' },
      { query: '{ viewer { nope } }' },
      { query: '{ viewer { id } }', extra: 1 },
      { query: '{ viewer { id } }', variables: [1] },
      { query: 'subscription { x }' },
      {},
    ]) {
      const result = await both(body);
      expect(result.declined, JSON.stringify(body)).toBe(true);
      expect(result.direct, JSON.stringify(body)).toEqual(result.yoga);
    }
  });
});
