import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { type RunningApi, startApi } from '../../src/start-api.js';
import { testConfig } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';

/** A pino destination that collects each JSON line into `into`. */
function jsonSink(into: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) into.push(JSON.parse(line));
      done();
    },
  });
}

/** An app whose JSON logs the test reads. */
const lines: Record<string, unknown>[] = [];
let app: RunningApi;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  app = await startApi(
    testConfig(db.url, { SLOW_QUERY_MS: '100000' }),
    createLogger({ logLevel: 'info' }, jsonSink(lines)),
  );
});
afterAll(async () => {
  await app?.stop();
  await drop?.();
});

const post = (query: string, headers: Record<string, string> = {}) =>
  app.yoga.fetch(new URL('/graphql', 'http://localhost'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });

describe('structured logs and request ids', () => {
  it('expected errors (a bad token, bad input, not logged in) are answers, not error lines', async () => {
    const before = lines.length;
    await post('{ viewer { id } }', { authorization: 'Bearer not-a-token' });
    await post('{ node(id: "garbage") { id } }');
    await post('mutation { createCategory(input: { name: "x" }) { category { id } } }');
    const errors = lines.slice(before).filter((line) => Number(line.level) >= 50);
    expect(errors).toEqual([]);
  });

  it('echoes a given x-request-id and logs the operation with it', async () => {
    const response = await post('query Probe { viewer { id } }', { 'x-request-id': 'req-123' });
    expect(response.headers.get('x-request-id')).toBe('req-123');
    const line = lines.find((l) => l.msg === 'operation' && l.requestId === 'req-123');
    expect(line).toMatchObject({
      operation: 'Probe',
      type: 'query',
      sql: 0,
      cache: 'miss',
      errors: [],
    });
    expect(typeof line?.ms).toBe('number');
    // Lines of cluster processes and of containers can be told apart.
    expect(line).toMatchObject({ pid: process.pid, hostname: hostname(), service: 'ledgerline' });
  });

  it('makes up an id when there is none (or it is junk)', async () => {
    const plain = await post('{ viewer { id } }');
    expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const junk = await post('{ viewer { id } }', { 'x-request-id': 'bad id with spaces' });
    expect(junk.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('slow SQL', () => {
  it('statements over SLOW_QUERY_MS are logged with their normalized text, duration and request id', async () => {
    const db = await createTestDatabase();
    const slowLines: Record<string, unknown>[] = [];
    const slowApp = await startApi(
      // Every statement counts as slow.
      testConfig(db.url, { SLOW_QUERY_MS: '0' }),
      createLogger({ logLevel: 'info' }, jsonSink(slowLines)),
    );
    try {
      await slowApp.yoga.fetch(new URL('/graphql', 'http://localhost'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'slow-1' },
        body: JSON.stringify({
          query: 'mutation($i: SignUpInput!) { signUp(input: $i) { token } }',
          variables: {
            i: { email: 'slow@example.com', name: 'Slow', password: 'secret-password' },
          },
        }),
      });
      const slow = slowLines.filter((l) => l.msg === 'slow sql' && l.requestId === 'slow-1');
      expect(slow.length).toBeGreaterThan(0);
      for (const line of slow) {
        expect(line.level).toBe(40);
        expect(typeof line.ms).toBe('number');
        expect(line.sql).toMatch(/^(select|insert|update|delete|with)\b/i);
        // Parameters are never logged.
        expect(JSON.stringify(line)).not.toContain('slow@example.com');
      }
      const metrics = await (await slowApp.yoga.fetch('http://localhost/metrics')).text();
      expect(metrics).toMatch(/sql_statement_duration_seconds_count [1-9]/);
      expect(metrics).toMatch(/http_request_duration_seconds_count\{route="\/graphql"\} [1-9]/);
    } finally {
      await slowApp.stop();
      await db.drop();
    }
  });
});

describe('/metrics', () => {
  it('counts errors by operation and code, and caps client-chosen operation names', async () => {
    await post('mutation FailingOp { createCategory(input: { name: "x" }) { category { id } } }');
    await post(
      'mutation { signUp(input: { email: "m@example.com", name: "M", password: "password123" }) { token } }',
    );
    for (let i = 0; i < 205; i++) await post(`query Name${i} { viewer { id } }`);
    const text = await (await app.yoga.fetch('http://localhost/metrics')).text();
    expect(text).toContain('graphql_errors_total{operation="FailingOp",code="UNAUTHENTICATED"} 1');
    expect(text).toMatch(
      /graphql_operations_total\{operation="other",type="query",outcome="ok"\} \d+/,
    );
    const names = new Set(
      [...text.matchAll(/graphql_operations_total\{operation="([^"]+)"/g)].map((m) => m[1]),
    );
    expect(names.size).toBeLessThanOrEqual(201);
    for (const name of [
      'http_request_duration_seconds_bucket',
      'sql_statement_duration_seconds_bucket',
      'graphql_operation_duration_seconds_bucket',
      'db_pool_connections',
      'jobs_total',
      'cache_hits_total',
      'rate_limit_decisions_total',
    ]) {
      expect(text).toContain(name);
    }
  });
});
