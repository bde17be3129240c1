import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../../src/start-api.js';
import { testConfig } from '../helpers/app.js';
import { type HttpServer, withHttp } from '../helpers/http.js';
import { type OwnPostgres, startOwnPostgres } from '../helpers/postgres-server.js';
import { eventually } from '../helpers/wait.js';

/**
 * The API on a Postgres of the test's own, stopped under it: every request that needs the
 * database answers 503 SERVICE_UNAVAILABLE with Retry-After at once (not a 200 "Unexpected
 * error", not a wait for a 504), and service resumes when Postgres is back.
 */
let pg: OwnPostgres | undefined;
let app: RunningApi | undefined;
let http: HttpServer;
/** The same API with the shipped role recheck: a token's user is known without the database. */
let known: RunningApi | undefined;
let knownHttp: HttpServer;

beforeAll(async () => {
  pg = await startOwnPostgres('outage');
  app = await startApi(
    testConfig(pg.url, {
      // The user's role is read from the database on every request here.
      AUTH_RECHECK_SECONDS: '0',
    }),
  );
  http = await withHttp(app);
  known = await startApi(testConfig(pg.url, { NODE_ENV: 'production', LOG_LEVEL: 'silent' }));
  knownHttp = await withHttp(known);
}, 120_000);
afterAll(async () => {
  await known?.stop();
  await app?.stop();
  await pg?.remove();
});

async function post(query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await http.fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { response, body: (await response.json()) as Record<string, any> };
}

/** An export download and a chat message, as a client with `token` sends them. */
async function routeCalls(server: HttpServer, token: string) {
  const calls = [
    ['/exports/RXhwb3J0OjE=/download', {}],
    ['/webhooks/chat', { method: 'POST', body: '{"text":"coffee 3"}' }],
  ] as const;
  const answers = [];
  for (const [path, init] of calls) {
    const response = await server.fetch(path, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    answers.push({ path, response });
  }
  return answers;
}

const LOG_IN = `mutation($i: LogInInput!) { logIn(input: $i) { token } }`;
const DASHBOARD = `{ viewer { expenses(first: 5) { totalCount } } }`;

describe('a Postgres outage under the API', () => {
  it('answers 503 with Retry-After while Postgres is down, and serves again once it is back', async () => {
    const signUp = await post(
      `mutation { signUp(input: { email: "o@example.com", name: "O", password: "password123" }) { token } }`,
    );
    const token = signUp.body.data.signUp.token as string;
    expect((await post(DASHBOARD, {}, token)).response.status).toBe(200);
    // Reads the user's role now, and not again for a while.
    expect(
      (
        await knownHttp.fetch('/exports/RXhwb3J0OjE=/download', {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status,
    ).toBe(404);

    await pg?.stop();
    const attempts = [
      post(DASHBOARD, {}, token),
      post(LOG_IN, { i: { email: 'o@example.com', password: 'password123' } }),
    ];
    for (const { response, body } of await Promise.all(attempts)) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at .*\.js/);
    }
    // The REST routes too: an outage is not a bad token (a 401 would log the user out).
    for (const { path, response } of await routeCalls(http, token)) {
      expect(response.status, path).toBe(503);
      expect(response.headers.get('retry-after'), path).toBe('1');
    }
    // With the user known, the routes' own statements fail: still 503, and nothing of the SQL.
    for (const { path, response } of await routeCalls(knownHttp, token)) {
      expect(response.status, path).toBe(503);
      expect(response.headers.get('retry-after'), path).toBe('1');
      const text = await response.text();
      expect(text, path).toMatch(/SERVICE_UNAVAILABLE/);
      expect(text, path).not.toMatch(/select|insert|Failed query|at .*\.js/i);
    }
    expect((await http.fetch('/ready')).status).toBe(503);
    // What needs no database still answers.
    expect((await post('{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });

    await pg?.start();
    const back = await eventually(async () => {
      const { response, body } = await post(DASHBOARD, {}, token);
      return response.status === 200 ? body : undefined;
    }, 60_000);
    expect(back.data.viewer.expenses.totalCount).toBe(0);

    // A failure that is not an outage (here: a table gone) is a plain 500 that says nothing of
    // the SQL or the code, and is logged.
    const sql = postgres(pg?.url ?? '', { max: 1, onnotice: () => {} });
    await sql`alter table exports rename to exports_gone`;
    try {
      const response = await knownHttp.fetch('/exports/RXhwb3J0OjE=/download', {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' },
      });
    } finally {
      await sql`alter table exports_gone rename to exports`;
      await sql.end();
    }
  }, 120_000);
});
