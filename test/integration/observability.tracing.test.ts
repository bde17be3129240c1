/**
 * OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans for the operation, its DataLoader
 * batches and its SQL reach an OTLP/HTTP collector (a real HTTP receiver here), nested.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../../src/start-api.js';
import { startTracing, type Tracing } from '../../src/telemetry.js';
import { grantAdmin } from '../helpers/admin.js';
import { type Json, testConfig } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';

interface Span {
  name: string;
  spanId: string;
  parentSpanId?: string;
  traceId: string;
}

const received: Json[] = [];
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
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
    OTEL_SERVICE_NAME: 'ledgerline-test',
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

async function post(query: string, variables?: unknown, token?: string): Promise<Json> {
  const response = await app.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
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
