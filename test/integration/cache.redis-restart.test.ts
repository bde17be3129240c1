import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { CREATE_EXPENSE } from '../helpers/operations.js';
import { type OwnRedis, startOwnRedis } from '../helpers/redis-server.js';
import { until } from '../helpers/wait.js';

/**
 * Two instances on one Redis of the test's own, killed and restarted (empty, or back from an
 * older snapshot as a Redis with persistence comes back): a user always reads their own writes,
 * on either instance, during the outage and after it.
 */
let redis: OwnRedis;
let a: Client;
let b: Client;
let dir: string;
let drop: () => Promise<void>;
let seq = 0;

const TOTAL = `{ viewer { expenses(first: 5) { totalCount } } }`;
const PROBE = `{ viewer { categories(first: 1) { totalCount } } }`;

async function signUp() {
  const res = await a.gql(
    `mutation($email: String!) { signUp(input: { email: $email, name: "R", password: "password123" }) { token } }`,
    { email: `restart${++seq}@example.com` },
  );
  return res.body.data.signUp.token as string;
}

async function write(client: Client, token: string) {
  const res = await client.gql(
    CREATE_EXPENSE,
    { input: { amount: '1.00', description: 'x' } },
    token,
  );
  expect(res.body.errors).toBeUndefined();
}

async function total(client: Client, token: string) {
  const res = await client.gql(TOTAL, {}, token);
  expect(res.body.errors).toBeUndefined();
  return { count: res.body.data.viewer.expenses.totalCount as number, cache: res.cache };
}

/** Both instances serve from the cache again (they re-established it after the restart). */
async function cachingAgain(token: string) {
  for (const client of [a, b]) {
    await until(async () => {
      await client.gql(PROBE, {}, token);
      return (await client.gql(PROBE, {}, token)).cache === 'HIT';
    }, 30_000);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ledgerline-redis-'));
  redis = await startOwnRedis({ dir });
  const db = await createTestDatabase();
  drop = db.drop;
  a = await startApp(db.url, { REDIS_URL: redis.url });
  b = await startApp(db.url, { REDIS_URL: redis.url });
});
afterAll(async () => {
  await a?.app.stop();
  await b?.app.stop();
  await redis?.stop();
  await drop?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Redis restarting under two instances', () => {
  it('an empty Redis: no stale read of a write made during the outage or after it', async () => {
    const token = await signUp();
    for (const client of [a, b]) {
      await total(client, token);
      expect((await total(client, token)).cache).toBe('HIT');
    }

    await redis.stop();
    await write(a, token);
    // Neither instance can hear the other now: both answer from Postgres.
    expect(await total(a, token)).toMatchObject({ count: 1 });
    expect(await total(b, token)).toMatchObject({ count: 1 });
    expect(await total(a, token)).toMatchObject({ count: 1 });

    await redis.start();
    await cachingAgain(token);
    // Writes alternate between the instances; every read on either sees every write.
    let expected = 1;
    for (let i = 0; i < 4; i++) {
      for (const writer of [b, a]) {
        await write(writer, token);
        expected++;
        for (const reader of [a, b, a, b]) {
          expect((await total(reader, token)).count).toBe(expected);
        }
      }
    }
  });

  it('a Redis back from an older snapshot: its counters and entries are never reused', async () => {
    const token = await signUp();
    await write(a, token);
    for (const client of [a, b]) {
      await total(client, token);
      expect((await total(client, token)).cache).toBe('HIT');
    }
    // The snapshot holds this user's version and cached answer with one expense.
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await admin.sendCommand(['SAVE']);
    await admin.close();
    // Two more writes, read on both (cached at the newer versions), then Redis dies and comes
    // back from the snapshot: counters and entries of before those writes.
    await write(b, token);
    await write(a, token);
    for (const client of [a, b, a, b]) expect((await total(client, token)).count).toBe(3);
    await redis.stop();
    await redis.start();
    await cachingAgain(token);

    let expected = 3;
    for (const reader of [a, b, a, b]) expect((await total(reader, token)).count).toBe(expected);
    for (let i = 0; i < 3; i++) {
      for (const writer of [a, b]) {
        await write(writer, token);
        expected++;
        for (const reader of [b, a, b, a]) {
          expect((await total(reader, token)).count).toBe(expected);
        }
      }
    }
  });
});
