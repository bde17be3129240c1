/**
 * Building the API is apart from starting anything: opening the infrastructure and building the
 * app run no migration, start no worker and no outbox relay; start-up (startApi) does those as
 * steps of its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { openInfrastructure } from '../../src/infrastructure.js';
import { createLogger } from '../../src/logger.js';
import { testConfig } from '../helpers/app.js';
import { adminSql, createTestDatabase, databaseUrl, dropDatabase } from '../helpers/database.js';
import { eventually } from '../helpers/wait.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const JWT_SECRET = 'starts-nothing-secret-starts-nothing!';
// The worker on, polling often: were anything started, it would show within the waits below.
const env = { WORKER_ENABLED: 'true', WORKER_POLL_INTERVAL_MS: '20', LOG_LEVEL: 'silent' };

async function build(url: string) {
  const config = testConfig(url, env);
  const infra = await openInfrastructure(config, createLogger(config), {
    databaseUrl: url,
    applicationName: 'ledgerline-starts-nothing',
  });
  cleanups.push(() => infra.close());
  return { infra, app: createApp(infra, { jwtSecret: JWT_SECRET }) };
}

async function count(url: string, query: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql.unsafe<{ n: number }[]>(query);
    return row?.n ?? -1;
  } finally {
    await sql.end();
  }
}

const post = (
  app: { yoga: { fetch: (url: string, init: RequestInit) => Promise<Response> | Response } },
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
) =>
  Promise.resolve(
    app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    }),
  ).then((response) => response.json());

describe('building the API', () => {
  it('runs no migration: an empty database stays empty, and the app still answers', async () => {
    const name = `ledgerline_empty_${process.pid}_${Date.now()}`;
    const admin = adminSql();
    await admin.unsafe(`create database "${name}"`);
    cleanups.push(async () => {
      await dropDatabase(admin, name);
      await admin.end();
    });
    const url = databaseUrl(name);
    const { app } = await build(url);
    expect(await post(app, '{ __typename }')).toEqual({ data: { __typename: 'Query' } });
    const tables = `select count(*)::int as n from information_schema.tables
      where table_schema in ('public', 'graphile_worker')`;
    expect(await count(url, tables)).toBe(0);
    expect(
      await count(
        url,
        `select count(*)::int as n from pg_namespace
      where nspname = 'graphile_worker'`,
      ),
    ).toBe(0);
  });

  it('starts no relay and no worker: queued jobs wait in the outbox until start-up starts the relay', async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const { infra, app } = await build(db.url);
    const signedUp = await post(app, 'mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
      i: { email: 'starts-nothing@example.com', name: 'N', password: 'password123' },
    });
    const token = signedUp.data.signUp.token;
    const created = await post(
      app,
      'mutation { createExpense(input: { amount: "4.20", description: "coffee" }) { expense { id } } }',
      {},
      token,
    );
    expect(created.data.createExpense.expense.id).toEqual(expect.any(String));
    // Fifty relay polls' time: a started relay would have moved the rows long before.
    await sleep(1000);
    const outbox = 'select count(*)::int as n from job_outbox';
    const queued = 'select count(*)::int as n from graphile_worker.jobs';
    expect(await count(db.url, outbox)).toBeGreaterThan(0);
    expect(await count(db.url, queued)).toBe(0);

    // The start-up step: the relay moves them.
    infra.outbox.start();
    await eventually(async () => ((await count(db.url, outbox)) === 0 ? true : undefined));
    expect(await count(db.url, queued)).toBeGreaterThan(0);
  });
});
