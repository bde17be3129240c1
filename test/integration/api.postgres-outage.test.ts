import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
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
let app: App | undefined;
let http: HttpServer;

beforeAll(async () => {
  pg = await startOwnPostgres('outage');
  app = await createApp(
    testConfig(pg.url, {
      // The user's role is read from the database on every request here.
      AUTH_RECHECK_SECONDS: '0',
    }),
  );
  http = await withHttp(app);
}, 120_000);
afterAll(async () => {
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

const LOG_IN = `mutation($i: LogInInput!) { logIn(input: $i) { token } }`;
const DASHBOARD = `{ viewer { expenses(first: 5) { totalCount } } }`;

describe('a Postgres outage under the API', () => {
  it('answers 503 with Retry-After while Postgres is down, and serves again once it is back', async () => {
    const signUp = await post(
      `mutation { signUp(input: { email: "o@example.com", name: "O", password: "password123" }) { token } }`,
    );
    const token = signUp.body.data.signUp.token as string;
    expect((await post(DASHBOARD, {}, token)).response.status).toBe(200);

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
    for (const [path, init] of [
      ['/exports/RXhwb3J0OjE=/download', {}],
      ['/webhooks/chat', { method: 'POST', body: '{"text":"coffee 3"}' }],
    ] as const) {
      const response = await http.fetch(path, {
        ...init,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      expect(response.status, path).toBe(503);
      expect(response.headers.get('retry-after'), path).toBe('1');
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
  }, 120_000);
});
