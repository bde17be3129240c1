import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startApi } from '../../src/start-api.js';
import { useTestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';

const t = useTestApp();

describe('query limits', () => {
  it('refuses a query deeper than 12 with QUERY_TOO_COMPLEX before any resolver runs', async () => {
    const { token } = await t.signUp();
    const deep = `{ viewer { expenses { nodes { category { user { categories { nodes { user { categories { nodes { user { name } } } } } } } } } } } }`;
    const res = await t.gqlCounted(deep, {}, token);
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(res.data).toBeUndefined();
    expect(res.sql).toBe(0);
  });

  it('refuses a query whose page sizes multiply past the complexity limit', async () => {
    const { token } = await t.signUp();
    const wide = `{ viewer { categories(first: 100) { nodes { expenses(first: 100) { nodes { user { categories(first: 100) { nodes { name } } } } } } } } }`;
    const res = await t.gqlCounted(wide, {}, token);
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(res.sql).toBe(0);
  });

  it('counts page sizes passed as variables', async () => {
    const query = `query($n: Int) { viewer { categories(first: $n) { nodes { expenses(first: $n) { nodes { user { categories(first: $n) { nodes { name } } } } } } } } }`;
    const { token } = await t.signUp();
    expect((await t.gql(query, { n: 2 }, token)).errors).toBeUndefined();
    expect((await t.gql(query, { n: 100 }, token)).errors?.[0]?.extensions?.code).toBe(
      'QUERY_TOO_COMPLEX',
    );
  });

  it('refuses more than 15 aliases', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: viewer { id }`).join(' ');
    const res = await t.gql(`{ ${aliases} }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const fine = Array.from({ length: 15 }, (_, i) => `a${i}: viewer { id }`).join(' ');
    expect((await t.gql(`{ ${fine} }`)).errors).toBeUndefined();
  });

  it('answers 413 to a body over the limit', async () => {
    const response = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ viewer { id } }`,
        variables: { pad: 'x'.repeat(1_100_000) },
      }),
    });
    expect(response.status).toBe(413);
  });

  it('the API.md dashboard and nested queries pass the limits', async () => {
    const { token } = await t.signUp();
    const dashboard = `{ viewer { expenses(first: 20) { totalCount nodes { id amount date description category { name } } } } }`;
    const nested = `{ viewer { categories(first: 50) { nodes { expenseCount expenses(first: 5) { nodes { amount user { id } category { name } } } } } } }`;
    expect((await t.gql(dashboard, {}, token)).errors).toBeUndefined();
    expect((await t.gql(nested, {}, token)).errors).toBeUndefined();
  });
});

describe('operational routes', () => {
  it('GET /health is 200', async () => {
    const response = await t.fetch('/health');
    expect(response.status).toBe(200);
  });

  it('GET /ready is 200 when Postgres answers', async () => {
    const response = await t.fetch('/ready');
    expect(response.status).toBe(200);
    expect((await response.json()).checks).toEqual({ postgres: 'ok' });
  });

  it('GET /metrics reports requests, SQL per request and the pool', async () => {
    const { token } = await t.signUp();
    await t.gql('query Dashboard { viewer { expenses { totalCount } } }', {}, token);
    const text = await (await t.fetch('/metrics')).text();
    expect(text).toMatch(
      /graphql_operations_total\{operation="Dashboard",type="query",outcome="ok"\} [1-9]/,
    );
    expect(text).toMatch(
      /graphql_operation_duration_seconds_bucket\{le="[^"]+",operation="Dashboard",type="query"\}/,
    );
    expect(text).toMatch(/graphql_sql_statements_per_request_count\{operation="Dashboard"\} [1-9]/);
    expect(text).toMatch(/db_pool_connections\{state="max"\} 10/);
    // From the request permits, not SQL: idle between requests.
    expect(text).toMatch(/db_pool_connections\{state="in_use"\} 0/);
    expect(text).toMatch(/db_pool_connections\{state="waiting"\} 0/);
    expect(text).toMatch(/http_requests_total\{route="\/graphql",status="200"\}/);
  });
});

describe('with Redis configured', () => {
  async function readyWith(redisUrl: string) {
    const db = await createTestDatabase();
    const app = await startApi(
      loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        REDIS_URL: redisUrl,
        JWT_SECRET: 'x'.repeat(40),
      }),
    );
    try {
      const response = await app.yoga.fetch('http://localhost/ready');
      return { status: response.status, body: await response.json() };
    } finally {
      await app.stop();
      await db.drop();
    }
  }

  it('/ready checks Redis too', async () => {
    expect(await readyWith('redis://127.0.0.1:6379')).toEqual({
      status: 200,
      body: { status: 'ready', checks: { postgres: 'ok', redis: 'ok' } },
    });
  });

  it('/ready is 503 when Redis is unreachable', async () => {
    const res = await readyWith('redis://127.0.0.1:1');
    expect(res.status).toBe(503);
    expect(res.body.checks).toEqual({ postgres: 'ok', redis: 'unavailable' });
  });
});

describe('masked errors', () => {
  it('an unexpected failure is INTERNAL_SERVER_ERROR with no SQL or stack; a closed pool is 503 and /ready turns 503', async () => {
    const db = await createTestDatabase();
    const app = await startApi(
      loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, JWT_SECRET: 'x'.repeat(40) }),
    );
    const post = (query: string, token?: string) =>
      app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query }),
      });
    try {
      const signUp = await (
        await post(
          'mutation { signUp(input: { email: "m@example.com", name: "M", password: "password123" }) { token } }',
        )
      ).json();
      const token = signUp.data.signUp.token;
      // A failure nobody planned for: the table is gone under the app.
      await app.pool`alter table expenses rename to expenses_away`;
      try {
        const response = await post('{ viewer { expenses { totalCount } } }', token);
        const body = await response.json();
        expect(body.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
        expect(JSON.stringify(body)).not.toMatch(/select|from |postgres|stack|\.ts:|42P01/i);
      } finally {
        await app.pool`alter table expenses_away rename to expenses`;
      }
      // No connection at all (the pool is closed): the database is unavailable, retry later.
      await app.pool.end();
      const response = await post('{ viewer { expenses { totalCount } } }', token);
      const body = await response.json();
      expect(response.status).toBe(503);
      expect(body.errors[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
      expect(JSON.stringify(body)).not.toMatch(/select|from |postgres|stack|\.ts:/i);
      expect((await app.yoga.fetch('http://localhost/ready')).status).toBe(503);
    } finally {
      await app.stop();
      await db.drop();
    }
  });
});
