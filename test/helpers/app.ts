/**
 * A real app on its own database, reached over a real socket as a client would, with helpers
 * that read like a client: gql() posts an operation, signUp() makes a user and returns its token.
 */
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type RunningApi, startApi } from '../../src/start-api.js';
import { createTestDatabase } from './database.js';
import { withHttp } from './http.js';
import { databaseSettings } from './pooler.js';

// biome-ignore lint/suspicious/noExplicitAny: responses are untyped JSON, as a client sees them
export type Json = any;

export interface GqlResult<T = Record<string, Json>> {
  status: number;
  data?: T;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; field?: string };
  }[];
}

export interface TestApp {
  app: RunningApi;
  databaseUrl: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  gql<T = Record<string, Json>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GqlResult<T>>;
  /** Like gql, and also how many SQL statements the request sent. */
  gqlCounted<T = Record<string, Json>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GqlResult<T> & { sql: number }>;
  signUp(overrides?: {
    email?: string;
    name?: string;
    password?: string;
    currency?: string;
  }): Promise<{ token: string; id: string; email: string }>;
}

let userSeq = 0;

/** The configuration test apps run with, plus `env`. */
export function testConfig(databaseUrl: string, env: Record<string, string> = {}) {
  return loadConfig({
    NODE_ENV: 'test',
    ...databaseSettings(databaseUrl),
    JWT_SECRET: 'test-secret-test-secret-test-secret!',
    // Background jobs change rows behind a test's back; job tests turn the worker on.
    WORKER_ENABLED: 'false',
    // Most files sign up dozens of users from one address; the rate-limit tests turn it on.
    RATE_LIMIT_ENABLED: 'false',
    ...env,
  });
}

/** Starts an app for the test file (beforeAll) and stops it and drops its database (afterAll). */
export function useTestApp(env: Record<string, string> = {}): TestApp {
  const handle = {} as TestApp;
  let dropDb: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDb = db.drop;
    const config = testConfig(db.url, env);
    const app = await startApi(config);
    const { fetch } = await withHttp(app);
    const post = async (query: string, variables?: Record<string, unknown>, token?: string) => {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...(await response.json()) };
    };
    Object.assign(handle, {
      app,
      databaseUrl: db.url,
      fetch,
      gql: post,
      async gqlCounted(query: string, variables?: Record<string, unknown>, token?: string) {
        const before = await sqlTotal(app);
        const result = await post(query, variables, token);
        return { ...result, sql: (await sqlTotal(app)) - before };
      },
      async signUp(overrides: Parameters<TestApp['signUp']>[0] = {}) {
        const email = overrides?.email ?? `user${process.pid}-${++userSeq}@example.com`;
        const result = await post(
          `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`,
          {
            input: {
              email,
              name: overrides?.name ?? 'Test User',
              password: overrides?.password ?? 'password123',
              currency: overrides?.currency,
            },
          },
        );
        if (!result.data) throw new Error(JSON.stringify(result.errors));
        return { token: result.data.signUp.token, id: result.data.signUp.user.id, email };
      },
    });
  });
  afterAll(async () => {
    await handle.app?.stop();
    await dropDb?.();
  });
  return handle;
}

async function sqlTotal(app: RunningApi): Promise<number> {
  const metric = await app.metrics.sqlStatements.get();
  return metric.values[0]?.value ?? 0;
}
