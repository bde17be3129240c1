/**
 * Timeouts and back-pressure on real Postgres: the request deadline cancels running SQL and
 * leaves no busy backend, statement_timeout is a TIMEOUT, and a saturated pool answers
 * SERVICE_UNAVAILABLE at once instead of queueing, then recovers.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createDb, createPool } from '../../src/db/client.js';
import { createPoolPermits, guardSql, PoolBusyError } from '../../src/db/guarded-sql.js';
import { Deadline, DeadlineError } from '../../src/deadline.js';
import type { Json } from '../helpers/app.js';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { eventually, signal, until } from '../helpers/wait.js';

const PAGE = '{ viewer { expenses(first: 5) { nodes { id amount } } } }';
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let observer: postgres.Sql;
const apps: Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  observer = postgres(db.url, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  for (const client of apps) await client.app.stop();
  await observer.end();
  await db.drop();
});

/** Our app's backends (not this test's) that are running a statement right now. */
async function busyBackends(): Promise<number> {
  const [row] = await observer<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and application_name like 'ledgerline-%'
      and state = 'active'`;
  return row?.n ?? 0;
}

/** Holds an exclusive lock on expenses (every read of it waits) until release() is called. */
async function lockExpenses(): Promise<{ release(): Promise<void> }> {
  const { fired: released, fire: release } = signal();
  const { fired: isLocked, fire: locked } = signal();
  const done = observer.begin(async (tx) => {
    await tx`lock table expenses in access exclusive mode`;
    locked();
    await released;
  });
  await isLocked;
  return {
    release: async () => {
      release();
      await done;
    },
  };
}

async function start(env: Record<string, string>): Promise<Client> {
  const client = await startApp(db.url, { CACHE_ENABLED: 'false', ...env });
  apps.push(client);
  return client;
}

async function signUp(client: Client): Promise<string> {
  const response = await client.post(SIGN_UP, {
    input: {
      email: `t${process.pid}-${apps.length}-${Math.random()}@example.com`,
      name: 'T',
      password: 'password123',
    },
  });
  return ((await response.json()) as Json).data.signUp.token;
}

/** Drizzle wraps driver errors (DrizzleQueryError); the DeadlineError is in the cause chain. */
function deadlineIn(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof DeadlineError) return true;
  return false;
}

describe('the guarded SQL client', () => {
  it('a pg_sleep past the deadline is cancelled and leaves no backend behind', async () => {
    const config = loadConfig({ DATABASE_URL: db.url });
    const pool = createPool(
      db.url,
      { ...config.db, statementTimeoutMs: 0 },
      'ledgerline-sleep-test',
    );
    try {
      const deadline = new Deadline();
      const guarded = createDb(guardSql(pool, { permits: createPoolPermits(2, 1000), deadline }));
      // Drizzle queries are lazy: catching makes it run now and keeps the outcome for later.
      const sleeping = guarded.execute(sql`select pg_sleep(30)`).then(
        () => 'finished',
        (error: unknown) => error,
      );
      await until(async () => (await busyBackends()) === 1);
      deadline.expire();
      expect(deadlineIn(await sleeping)).toBe(true);
      // Postgres stopped the statement: the connection is idle again, nothing is left running.
      await until(async () => (await busyBackends()) === 0);
      // The pool still works, and new statements of the aborted request fail at once.
      expect(await pool`select 1 as one`).toEqual([{ one: 1 }]);
      const next = await guarded.execute(sql`select 1`).then(
        () => 'ran',
        (error: unknown) => error,
      );
      expect(deadlineIn(next)).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('waits for a permit at most the configured time, first come first served', async () => {
    const permits = createPoolPermits(1, 100);
    const release = await permits.acquire();
    await expect(permits.acquire()).rejects.toBeInstanceOf(PoolBusyError);
    // A waiter gets the permit handed over on release, in order.
    const order: number[] = [];
    const inOrder = (n: number) => (release: () => void) => {
      order.push(n);
      return release;
    };
    const first = permits.acquire().then(inOrder(1));
    const second = permits.acquire().then(inOrder(2));
    release();
    release(); // a second release of the same permit changes nothing
    (await first)();
    (await second)();
    expect(order).toEqual([1, 2]);
    // All permits back: two acquires in a row do not wait.
    const a = await permits.acquire();
    await expect(permits.acquire()).rejects.toBeInstanceOf(PoolBusyError);
    a();
  });
});

describe('over HTTP', () => {
  it('an operation past REQUEST_TIMEOUT_MS is answered TIMEOUT (504) and its SQL cancelled', async () => {
    const app = await start({ REQUEST_TIMEOUT_MS: '300', DB_STATEMENT_TIMEOUT_MS: '0' });
    const token = await signUp(app);
    const lock = await lockExpenses();
    try {
      const response = await app.post(PAGE, undefined, token);
      expect(response.status).toBe(504);
      const body = (await response.json()) as Json;
      expect(body.errors[0].extensions.code).toBe('TIMEOUT');
      expect(JSON.stringify(body)).not.toMatch(/select|expenses"|stack/i);
      // Still locked, yet no backend of ours is waiting on it: the statement was cancelled.
      await until(async () => (await busyBackends()) === 0);
    } finally {
      await lock.release();
    }
    const after = await app.post(PAGE, undefined, token);
    expect(after.status).toBe(200);
  });

  it('statement_timeout is reported as TIMEOUT, not as an internal error', async () => {
    const app = await start({ DB_STATEMENT_TIMEOUT_MS: '200' });
    const token = await signUp(app);
    const lock = await lockExpenses();
    try {
      const response = await app.post(PAGE, undefined, token);
      const body = (await response.json()) as Json;
      expect(body.errors[0].extensions.code).toBe('TIMEOUT');
      expect(response.status).toBe(504);
    } finally {
      await lock.release();
    }
  });

  it('200 concurrent requests against a pool of 5 fail fast with SERVICE_UNAVAILABLE and recover', async () => {
    const app = await start({
      DB_POOL_MAX: '5',
      DB_POOL_WAIT_MS: '300',
      REQUEST_TIMEOUT_MS: '30000',
    });
    const token = await signUp(app);
    const lock = await lockExpenses();
    const settled: { status: number; code: string | undefined }[] = [];
    let all: Promise<unknown> | undefined;
    try {
      all = Promise.all(
        Array.from({ length: 200 }, async () => {
          const response = await app.post(PAGE, undefined, token);
          const body = (await response.json()) as Json;
          settled.push({ status: response.status, code: body.errors?.[0]?.extensions?.code });
        }),
      );
      // Five requests hold the five connections (blocked on the lock); every other one must be
      // answered while the lock is still held, i.e. without waiting for a connection forever.
      await until(async () => settled.length >= 195, 20_000);
      expect(settled.every((r) => r.status === 503 && r.code === 'SERVICE_UNAVAILABLE')).toBe(true);
      const busy = await eventually(async () => ((await busyBackends()) === 5 ? 5 : undefined));
      expect(busy).toBe(5);
    } finally {
      await lock.release();
    }
    await all;
    expect(settled.filter((r) => r.status === 200)).toHaveLength(5);
    // Recovered: a new burst within the pool's means succeeds.
    const again = await Promise.all(
      Array.from({ length: 20 }, () => app.post(PAGE, undefined, token).then((r) => r.status)),
    );
    expect(again.every((status) => status === 200)).toBe(true);
    const metrics = await (await app.app.yoga.fetch('http://localhost/metrics')).text();
    expect(metrics).toMatch(/db_pool_wait_seconds_count\{outcome="timeout"\} (19[5-9]|[2-9]\d\d)/);
  });
});
