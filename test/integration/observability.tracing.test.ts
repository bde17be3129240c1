/**
 * OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set to a collector's base URL (as the
 * specification means it; /v1/traces is appended), spans for the operation, its DataLoader
 * batches and its SQL reach an OTLP/HTTP collector (a real HTTP receiver here), nested; an
 * incoming traceparent is continued; jobs have spans of their own.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../../src/start-api.js';
import { startTracing, type Tracing } from '../../src/telemetry.js';
import { grantAdmin } from '../helpers/admin.js';
import { type Json, testConfig } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { eventually } from '../helpers/wait.js';

interface Span {
  name: string;
  spanId: string;
  parentSpanId?: string;
  traceId: string;
}

const received: Json[] = [];
const paths: string[] = [];
const headers: Record<string, unknown>[] = [];
let collector: Server;
let tracing: Tracing | undefined;
let app: RunningApi;
let drop: () => Promise<void>;

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') received.push(JSON.parse(Buffer.concat(chunks).toString()));
      else if (req.url !== '/') throw new Error(`unexpected collector path ${req.url}`);
      paths.push(req.url ?? '');
      headers.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const { port } = collector.address() as AddressInfo;
  const db = await createTestDatabase();
  drop = db.drop;
  const config = testConfig(db.url, {
    CACHE_ENABLED: 'false',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=s3cret%20value',
    OTEL_SERVICE_NAME: 'ledgerline-test',
    // Jobs run here, so their spans are exported too.
    WORKER_ENABLED: 'true',
    WORKER_POLL_INTERVAL_MS: '50',
  });
  tracing = await startTracing(config.telemetry);
  app = await startApi(config);
});

afterAll(async () => {
  await tracing?.shutdown();
  await app?.stop();
  await drop?.();
  collector?.close();
});

async function post(
  query: string,
  variables?: unknown,
  token?: string,
  extra: Record<string, string> = {},
): Promise<Json> {
  const response = await app.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...extra,
    },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

/** Every span the collector has received so far. */
function exportedSpans(): Span[] {
  return received.flatMap((body) =>
    body.resourceSpans.flatMap((rs: Json) => rs.scopeSpans.flatMap((ss: Json) => ss.spans)),
  );
}

it('exports nested spans: operation > DataLoader batch > SQL', async () => {
  const signUp = await post('mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
    i: { email: 'traced@example.com', name: 'Traced', password: 'password123' },
  });
  const token = signUp.data.signUp.token as string;
  const nested = await post(
    'query Traced { viewer { name categories(first: 5) { nodes { name expenseCount } } } }',
    undefined,
    token,
  );
  expect(nested.data.viewer.categories.nodes.length).toBe(5);
  await tracing?.flush();

  const spans = exportedSpans();
  const resource = received[0].resourceSpans[0].resource.attributes;
  expect(resource).toContainEqual({
    key: 'service.name',
    value: { stringValue: 'ledgerline-test' },
  });

  const operation = spans.find((s) => s.name === 'graphql query Traced');
  expect(operation).toBeDefined();
  const inTrace = spans.filter((s) => s.traceId === operation?.traceId);
  const batches = inTrace.filter((s) => s.name.startsWith('dataloader '));
  expect(batches.map((s) => s.name)).toEqual(
    expect.arrayContaining([
      'dataloader userById',
      'dataloader categoriesByUser',
      'dataloader expenseCountByOwner',
    ]),
  );
  for (const batch of batches) expect(batch.parentSpanId).toBe(operation?.spanId);
  const sql = inTrace.filter((s) => s.name === 'sql');
  expect(sql.length).toBeGreaterThanOrEqual(3);
  const batchIds = new Set(batches.map((s) => s.spanId));
  for (const statement of sql) expect(batchIds.has(statement.parentSpanId ?? '')).toBe(true);
});

it('plans nested connections at their parent list: one span per level, no DataLoader batches', async () => {
  const admin = await post('mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
    i: { email: 'admin@example.com', name: 'Admin', password: 'password123' },
  });
  const token = admin.data.signUp.token as string;
  await grantAdmin(app, 'admin@example.com');
  const fanOut = await post(
    'query FanOut { users(first: 5) { nodes { name categories(first: 3) { nodes { name expenses(first: 2) { nodes { amount } } } } } } }',
    undefined,
    token,
  );
  expect(fanOut.data.users.nodes.length).toBeGreaterThan(0);
  await tracing?.flush();

  const spans = exportedSpans();
  const operation = spans.find((s) => s.name === 'graphql query FanOut');
  const inTrace = spans.filter((s) => s.traceId === operation?.traceId);
  const names = inTrace.map((s) => s.name);
  expect(names).toEqual(expect.arrayContaining(['plan User.categories', 'plan Category.expenses']));
  expect(names).not.toContain('dataloader categoriesByUser');
  expect(names).not.toContain('dataloader expensesByOwner');
});

it('sends to the base URL + /v1/traces, with the configured headers', async () => {
  await post('{ __typename }');
  await tracing?.flush();
  expect(paths.length).toBeGreaterThan(0);
  expect(new Set(paths)).toEqual(new Set(['/v1/traces']));
  expect(headers[0]?.['x-collector-token']).toBe('s3cret value');
});

it("continues the caller's trace from its traceparent header", async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentId = '00f067aa0ba902b7';
  await post('query Continued { __typename }', undefined, undefined, {
    traceparent: `00-${traceId}-${parentId}-01`,
  });
  await tracing?.flush();
  const operation = exportedSpans().find((s) => s.name === 'graphql query Continued');
  expect(operation?.traceId).toBe(traceId);
  expect(operation?.parentSpanId).toBe(parentId);
});

it('gives each job run a span of its own', async () => {
  const signUp = await post('mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
    i: { email: 'jobs-traced@example.com', name: 'Jobs', password: 'password123' },
  });
  const token = signUp.data.signUp.token as string;
  await post(
    'mutation { submitChatMessage(input: { text: "lunch 12.50" }) { job { id } } }',
    undefined,
    token,
  );
  const span = await eventually(async () => {
    await tracing?.flush();
    return exportedSpans().find((s) => s.name === 'job parse_chat_message');
  }, 30_000);
  expect((span as Json).attributes).toEqual(
    expect.arrayContaining([
      { key: 'job.task', value: { stringValue: 'parse_chat_message' } },
      { key: 'job.attempt', value: { intValue: 1 } },
    ]),
  );
});
