/**
 * Live events when Redis goes away (a Redis of the test's own, killed and started again): the
 * writing instance's own subscribers still hear its writes, counted as local-only deliveries;
 * nothing crashes; once Redis is back, events travel through it again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { CREATE_EXPENSE } from '../helpers/operations.js';
import { type OwnRedis, startOwnRedis } from '../helpers/redis-server.js';
import { subscribe } from '../helpers/sse.js';
import { until } from '../helpers/wait.js';

let redis: OwnRedis;
let app: Client;
let drop: () => Promise<void>;
beforeAll(async () => {
  redis = await startOwnRedis();
  const db = await createTestDatabase();
  drop = db.drop;
  app = await startApp(db.url, { REDIS_URL: redis.url, CACHE_REDIS_TIMEOUT_MS: '500' });
}, 60_000);
afterAll(async () => {
  await app?.app.stop();
  await redis?.stop();
  await drop?.();
});

const localOnly = async () => (await app.app.metrics.eventsLocalOnly.get()).values[0]?.value ?? 0;

it("delivers to the writing instance's subscribers while Redis is down, and through Redis again once it is back", async () => {
  const { body } = await app.gql('mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
    i: { email: 'outage-live@example.com', name: 'O', password: 'password123' },
  });
  const token: string = body.data.signUp.token;
  const stream = await subscribe(
    app,
    'subscription { expenseChanged { kind expense { description } } }',
    {},
    token,
  );
  const write = (description: string) =>
    app.gql(CREATE_EXPENSE, { input: { amount: '1.00', description } }, token);

  await write('before');
  expect((await stream.next())?.data.expenseChanged.expense.description).toBe('before');
  expect(await localOnly()).toBe(0);

  await redis.stop();
  const written = await write('during');
  expect(written.body.errors).toBeUndefined();
  expect((await stream.next())?.data.expenseChanged.expense.description).toBe('during');
  expect(await localOnly()).toBeGreaterThan(0);

  await redis.start();
  // Once the publisher and the subscriber connection are back, events go through Redis again.
  const before = await localOnly();
  await until(async () => app.app.infra.events.throughRedis(), 30_000);
  await write('after');
  expect((await stream.next())?.data.expenseChanged.expense.description).toBe('after');
  expect(await localOnly()).toBe(before);
  stream.close();
}, 90_000);
