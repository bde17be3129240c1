import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, counter, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { CREATE_EXPENSE } from '../helpers/operations.js';
import { type OwnRedis, startOwnRedis } from '../helpers/redis-server.js';
import { until } from '../helpers/wait.js';

/** Redis down, slow or returning junk: requests still succeed; the cache recovers by itself. */
let redis: OwnRedis;
let app: Client;
let drop: () => Promise<void>;
let token: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

const DASHBOARD = `query($n: Int) { viewer { expenses(first: $n) { totalCount nodes { amount } } } }`;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  redis = await startOwnRedis();
  const db = await createTestDatabase();
  drop = db.drop;
  app = await startApp(db.url, { REDIS_URL: redis.url, CACHE_REDIS_TIMEOUT_MS: '50' });
  const res = await app.gql(
    `mutation { signUp(input: { email: "r@example.com", name: "R", password: "password123" }) { token } }`,
  );
  token = res.body.data.signUp.token;
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await app?.app.stop();
  await redis?.stop();
  await drop?.();
});

describe('Redis failures degrade, never fail', () => {
  it('keeps answering (and stays correct) while Redis is down, then recovers', async () => {
    expect((await app.gql(DASHBOARD, { n: 5 }, token)).cache).toBe('MISS');
    expect((await app.gql(DASHBOARD, { n: 5 }, token)).cache).toBe('HIT');

    await redis.stop();
    // Reads keep working, from Postgres: with the channel down no instance can hear another's
    // writes, so nothing is served from (or stored in) the cache, not even L1.
    for (let i = 0; i < 5; i++) {
      const res = await app.gql(DASHBOARD, { n: 5 }, token);
      expect(res.body.errors).toBeUndefined();
      expect(res.cache).not.toBe('HIT');
    }
    // Writes work, and this instance reads its own writes.
    const created = await app.gql(
      CREATE_EXPENSE,
      { input: { amount: '4.00', description: 'while down' } },
      token,
    );
    expect(created.body.errors).toBeUndefined();
    const after = await app.gql(DASHBOARD, { n: 5 }, token);
    expect(after.body.data.viewer.expenses.totalCount).toBe(1);
    expect((await app.app.yoga.fetch(new URL('/ready', 'http://localhost'))).status).toBe(503);

    await redis.start();
    await until(
      async () => (await app.app.yoga.fetch(new URL('/ready', 'http://localhost'))).status === 200,
    );
    // Back to sharing through Redis: a value written now is found in L2 after L1 is dropped.
    await until(async () => {
      await app.gql(DASHBOARD, { n: 30 }, token);
      app.app.cache?.store.clearLocal();
      return (await app.gql(DASHBOARD, { n: 30 }, token)).cache === 'HIT';
    });
    expect(unhandled).toEqual([]);
  });

  it('bounds every Redis operation by the timeout when Redis is slow', async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    const timeoutsBefore = await counter(app.app, 'errors');
    // Redis stalls for a second; each cache operation gives up after 50 ms and is a miss.
    const stall = client.sendCommand(['DEBUG', 'SLEEP', '1']);
    const res = await app.gql(DASHBOARD, { n: 41 }, token);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.viewer.expenses.totalCount).toBe(1);
    expect(await counter(app.app, 'errors')).toBeGreaterThan(timeoutsBefore);
    await stall;
    await client.close();
  });

  it('treats junk in Redis as a miss', async () => {
    const query = `{ viewer { expenses(first: 3) { totalCount } } }`;
    const first = await app.gql(query, {}, token);
    const namespace = app.app.cache?.namespace as string;
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      await until(async () => (await client.keys(`${namespace}:r:*`)).length > 0);
      for (const key of await client.keys(`${namespace}:r:*`)) await client.set(key, '{not json');
    } finally {
      await client.close();
    }
    app.app.cache?.store.clearLocal();
    const again = await app.gql(query, {}, token);
    expect(again.body).toEqual(first.body);
    expect(again.cache).toBe('MISS');
    expect(unhandled).toEqual([]);
  });
});

describe('CACHE_ENABLED=false', () => {
  it('turns caching off entirely', async () => {
    const db = await createTestDatabase();
    const plain = await startApp(db.url, { CACHE_ENABLED: 'false', REDIS_URL: redis.url });
    try {
      const signUp = await plain.gql(
        `mutation { signUp(input: { email: "p@example.com", name: "P", password: "password123" }) { token } }`,
      );
      const t = signUp.body.data.signUp.token;
      const one = await plain.gql(`{ viewer { name } }`, {}, t);
      const two = await plain.gql(`{ viewer { name } }`, {}, t);
      expect(one.cache).toBeNull();
      expect(two).toMatchObject({ cache: null, sql: 1 });
      expect(plain.app.cache).toBeUndefined();
    } finally {
      await plain.app.stop();
      await db.drop();
    }
  });
});
