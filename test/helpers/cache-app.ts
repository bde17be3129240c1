/** Apps on one database and (optionally) one Redis, for tests of caching across instances. */

import { loadConfig } from '../../src/config.js';
import { type RunningApi, startApi } from '../../src/start-api.js';
import type { Json } from './app.js';
import { type HttpServer, withHttp } from './http.js';
import { databaseSettings } from './pooler.js';

export interface Client {
  app: RunningApi;
  /** The app over a real socket. */
  http: HttpServer;
  post(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<Response>;
  gql(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<{ body: Json; sql: number; cache: string | null }>;
}

export async function startApp(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<Client> {
  const app = await startApi(
    loadConfig({
      NODE_ENV: 'test',
      ...databaseSettings(databaseUrl),
      JWT_SECRET: 'cache-test-secret-cache-test-secret',
      WORKER_ENABLED: 'false',
      // Most files sign up dozens of users from one address; the rate-limit tests turn it on.
      RATE_LIMIT_ENABLED: 'false',
      ...env,
    }),
  );
  const http = await withHttp(app);
  const post = (
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
    headers: Record<string, string> = {},
  ) =>
    http.fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });
  const sqlTotal = async () => (await app.metrics.sqlStatements.get()).values[0]?.value ?? 0;
  return {
    app,
    http,
    post,
    async gql(query, variables, token) {
      const before = await sqlTotal();
      const response = await post(query, variables, token);
      return {
        body: await response.json(),
        sql: (await sqlTotal()) - before,
        cache: response.headers.get('x-cache'),
      };
    },
  };
}

export async function counter(
  app: RunningApi,
  name: 'hits' | 'misses' | 'coalesced' | 'errors',
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await app.metrics.cache[name].get();
  return metric.values
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k as never] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Two instances on one database sharing the test Redis, as two gateways would. */
export async function startTwo(databaseUrl: string): Promise<[Client, Client]> {
  // A busy machine can keep Redis past the 50 ms default; a request would then run without the
  // cache, which is right but not what these tests count.
  const env = { REDIS_URL: 'redis://127.0.0.1:6379', CACHE_REDIS_TIMEOUT_MS: '5000' };
  return [await startApp(databaseUrl, env), await startApp(databaseUrl, env)];
}
