/**
 * Persisted operations: Apollo's automatic persisted queries (shared through Redis, over POST
 * and GET) and the PERSISTED_ONLY allow-list built by `npm run persisted:manifest`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { sha256 } from '../../src/graphql/persisted-operations.js';
import { startApi } from '../../src/start-api.js';
import type { Json } from '../helpers/app.js';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';

const QUERY = 'query Me { viewer { id name } }';
const HASH = sha256(QUERY);

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
const apps: Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'll-persisted-'));
});

afterAll(async () => {
  for (const client of apps) await client.app.stop();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}): Promise<Client> {
  const client = await startApp(db.url, env);
  apps.push(client);
  return client;
}

async function postBody(client: Client, body: unknown, token?: string) {
  const response = await client.app.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as Json,
    headers: response.headers,
  };
}

async function get(
  client: Client,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const search = new URLSearchParams(
    Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
  const response = await client.app.yoga.fetch(`http://localhost/graphql?${search}`, {
    headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1', ...headers },
  });
  return {
    status: response.status,
    body: (await response.json()) as Json,
    headers: response.headers,
  };
}

const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

describe('automatic persisted queries', () => {
  it('unknown hash → PersistedQueryNotFound; hash + query registers; then the hash alone works', async () => {
    const app = await start();
    const miss = await postBody(app, { extensions: persisted(HASH) });
    expect(miss.status).toBe(200);
    expect(miss.body.errors[0]).toMatchObject({
      message: 'PersistedQueryNotFound',
      extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
    });
    const register = await postBody(app, { query: QUERY, extensions: persisted(HASH) });
    expect(register.body).toEqual({ data: { viewer: null } });
    const hit = await postBody(app, { extensions: persisted(HASH) });
    expect(hit.body).toEqual({ data: { viewer: null } });
  });

  it('a hash that does not match the query is refused and not stored', async () => {
    const app = await start();
    const wrong = sha256('something else');
    const bad = await postBody(app, { query: QUERY, extensions: persisted(wrong) });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const after = await postBody(app, { extensions: persisted(wrong) });
    expect(after.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const junk = await postBody(app, {
      extensions: { persistedQuery: { version: 2, sha256Hash: HASH } },
    });
    expect(junk.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
  });

  it('registers only documents that parse, validate and pass the rate limiter, up to 16 KB', async () => {
    // A bucket of 20 points at one point of complexity each: the operations that run below fit,
    // and the last one costs more than the whole bucket, so it is refused whatever the timing.
    const app = await start({
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_BURST: '20',
      RATE_LIMIT_PER_SECOND: '1',
      RATE_LIMIT_COMPLEXITY_PER_POINT: '1',
    });
    const notFound = async (query: string) =>
      (await postBody(app, { extensions: persisted(sha256(query)) })).body.errors?.[0]?.extensions
        ?.code === 'PERSISTED_QUERY_NOT_FOUND';
    const register = (query: string) =>
      postBody(app, { query, extensions: persisted(sha256(query)) });

    const junk = `${'x'.repeat(1000)} not GraphQL`;
    expect((await register(junk)).body.errors).toBeDefined();
    expect(await notFound(junk)).toBe(true);
    const invalid = 'query Invalid { viewer { noSuchField } }';
    expect((await register(invalid)).body.errors).toBeDefined();
    expect(await notFound(invalid)).toBe(true);
    const big = `query Big { __type(name: "${'T'.repeat(17 * 1024)}") { name } }`;
    expect((await register(big)).body).toEqual({ data: { __type: null } });
    expect(await notFound(big)).toBe(true);
    const fine = 'query Fine { __typename }';
    expect((await register(fine)).body).toEqual({ data: { __typename: 'Query' } });
    expect(await notFound(fine)).toBe(false);
    // Refused by the rate limiter: registers nothing.
    const late = 'query Late { viewer { expenses(first: 100) { nodes { id amount } } } }';
    const refused = await register(late);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(await notFound(late)).toBe(true);
  });

  it('documents registered on one instance serve another through Redis', async () => {
    const shared = {
      REDIS_URL: 'redis://127.0.0.1:6379',
      CACHE_NAMESPACE: `apq-${process.pid}-${Date.now()}`,
    };
    const a = await start(shared);
    const b = await start(shared);
    const query = 'query Other { viewer { email } }';
    await postBody(a, { query, extensions: persisted(sha256(query)) });
    const onB = await postBody(b, { extensions: persisted(sha256(query)) });
    expect(onB.body).toEqual({ data: { viewer: null } });
  });

  it('GET with only the hash works (CDN-cacheable), carrying Cache-Control; mutations over GET stay 405', async () => {
    const app = await start();
    await postBody(app, { query: QUERY, extensions: persisted(HASH) });
    const response = await get(app, { extensions: persisted(HASH) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { viewer: null } });
    expect(response.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const mutation = 'mutation { logIn(input: { email: "a@b.co", password: "x" }) { token } }';
    await postBody(app, { query: mutation, extensions: persisted(sha256(mutation)) }).catch(
      () => {},
    );
    const viaGet = await get(app, { extensions: persisted(sha256(mutation)) });
    expect(viaGet.status).toBe(405);
  });

  it('PERSISTED_QUERIES=false refuses hashes but still runs plain queries', async () => {
    const app = await start({ PERSISTED_QUERIES: 'false' });
    const refused = await postBody(app, { query: QUERY, extensions: persisted(HASH) });
    expect(refused.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
    expect((await postBody(app, { query: QUERY })).body).toEqual({ data: { viewer: null } });
  });
});

describe('PERSISTED_ONLY with a generated manifest', () => {
  let app: Client;
  let manifest: { operations: { id: string; name: string; body: string }[] };

  beforeAll(async () => {
    const out = path.join(dir, 'manifest.json');
    await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'src/graphql/persisted-manifest-cli.ts',
      'examples/operations/dashboard.graphql',
      '--out',
      out,
    ]);
    manifest = JSON.parse(await readFile(out, 'utf8'));
    app = await start({ PERSISTED_ONLY: 'true', PERSISTED_MANIFEST: out });
  });

  it('the manifest lists each operation with the fragments it uses, keyed by sha256', () => {
    expect(manifest.operations.map((op) => op.name)).toEqual([
      'Dashboard',
      'Categories',
      'CreateExpense',
    ]);
    const dashboard = manifest.operations[0];
    expect(dashboard?.body).toMatch(
      /fragment ExpenseRow on Expense[\s\S]*fragment ViewerHeader on User/,
    );
    expect(manifest.operations[1]?.body).not.toContain('fragment');
    for (const op of manifest.operations) expect(op.id).toBe(sha256(op.body));
  });

  it('listed operations run by hash (POST and GET) or by identical text; anything else is refused', async () => {
    const signUp = await startApp(db.url);
    apps.push(signUp);
    const token = (
      await (
        await signUp.post(
          'mutation { signUp(input: { email: "listed@example.com", name: "Listed", password: "password123" }) { token } }',
        )
      ).json()
    ).data.signUp.token as string;
    const dashboard = manifest.operations[0] as { id: string; body: string };

    const byHash = await postBody(
      app,
      { extensions: persisted(dashboard.id), variables: { first: 5 } },
      token,
    );
    expect(byHash.body.data.viewer.name).toBe('Listed');
    const byGet = await get(
      app,
      { extensions: persisted(dashboard.id) },
      { authorization: `Bearer ${token}` },
    );
    expect(byGet.body.data.viewer.expenses.totalCount).toBe(0);
    const byText = await postBody(app, { query: dashboard.body }, token);
    expect(byText.body.data.viewer.name).toBe('Listed');

    const freeText = await postBody(app, { query: QUERY }, token);
    expect(freeText.status).toBe(403);
    expect(freeText.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(freeText.body.data).toBeUndefined();
    const unknownHash = await postBody(app, { extensions: persisted(HASH) }, token);
    expect(unknownHash.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // Registering is not possible in this mode.
    const register = await postBody(app, { query: QUERY, extensions: persisted(HASH) }, token);
    expect(register.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(
      (await postBody(app, { extensions: persisted(HASH) }, token)).body.errors[0].extensions.code,
    ).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('a manifest whose ids do not match their bodies stops the start', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ [HASH]: 'query Tampered { viewer { email } }' }));
    await expect(
      startApi(
        loadConfig({
          NODE_ENV: 'test',
          DATABASE_URL: db.url,
          PERSISTED_ONLY: 'true',
          PERSISTED_MANIFEST: bad,
        }),
      ),
    ).rejects.toThrow(/does not hash to its id/);
  });
});
