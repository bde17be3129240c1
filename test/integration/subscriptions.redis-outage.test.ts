/**
 * Live events when Redis goes away (a Redis of the test's own, killed and started again): the
 * writing instance's own subscribers still hear its writes, counted as local-only deliveries;
 * nothing crashes; once Redis is back, events travel through it again, and a job's stream on
 * another instance catches up with the transitions it missed meanwhile.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { CREATE_EXPENSE } from '../helpers/operations.js';
import { type OwnRedis, startOwnRedis } from '../helpers/redis-server.js';
import { subscribe, untilComplete } from '../helpers/sse.js';
import { eventually, until } from '../helpers/wait.js';

let redis: OwnRedis;
let app: Client;
let drop: () => Promise<void>;
let url: string;
beforeAll(async () => {
  redis = await startOwnRedis();
  const db = await createTestDatabase();
  drop = db.drop;
  url = db.url;
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

it("a job's stream on an instance that missed its transitions while Redis was down catches up once Redis is back, and ends", async () => {
  const { body } = await app.gql('mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
    i: { email: 'outage-job@example.com', name: 'O', password: 'password123' },
  });
  const token: string = body.data.signUp.token;
  // No worker runs yet: the job waits in the queue.
  const submitted = await app.gql(
    'mutation { submitChatMessage(input: { text: "taxi 18 today" }) { job { id } } }',
    {},
    token,
  );
  const jobId: string = submitted.body.data.submitChatMessage.job.id;
  const stream = await subscribe(
    app,
    'subscription($id: ID!) { jobUpdated(id: $id) { state } }',
    { id: jobId },
    token,
  );
  expect((await stream.next())?.data.jobUpdated.state).toBe('QUEUED');

  await redis.stop();
  // Another instance runs the job while Redis is down: its events reach only its own listeners.
  const worker = await startApp(url, {
    REDIS_URL: redis.url,
    CACHE_REDIS_TIMEOUT_MS: '500',
    WORKER_ENABLED: 'true',
    WORKER_POLL_INTERVAL_MS: '50',
  });
  try {
    await eventually(async () => {
      const job = await worker.gql(
        'query($id: ID!) { node(id: $id) { ... on Job { state } } }',
        { id: jobId },
        token,
      );
      return job.body.data?.node?.state === 'SUCCEEDED' ? true : undefined;
    });
    await redis.start();
    // The stream reads the job again when its instance's subscriber connection is back.
    const states = (await untilComplete(stream)).map((payload) => payload.data.jobUpdated.state);
    expect(states.at(-1)).toBe('SUCCEEDED');
  } finally {
    await worker.app.stop();
  }
}, 120_000);
