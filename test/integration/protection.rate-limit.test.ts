/**
 * Rate limiting over real Redis: cost-based token buckets per user (per IP when anonymous),
 * 429 with Retry-After and RateLimit headers, the budget as a field, cached answers charged
 * too, a person's use under the defaults never refused, brute-force buckets for signUp/logIn,
 * buckets shared by instances, and the in-process fallback when Redis goes away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/app.js';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { dbId, withSql } from '../helpers/factories.js';
import { type OwnRedis, startOwnRedis } from '../helpers/redis-server.js';

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { token } }`;
/** Cost 1 (complexity 2). */
const CHEAP = '{ viewer { id } }';
/**
 * 20 rows of 6 fields: complexity 20 × 7 + 3, so 15 points at the 10 complexity per point these
 * tests set (1 + floor(143 / 10)); 1 point at the default 500.
 */
const PAGE =
  '{ viewer { expenses(first: 20) { nodes { id amount description date merchant currency } } } }';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let redis: OwnRedis;
let seq = 0;
const apps: Client[] = [];

async function start(env: Record<string, string> = {}): Promise<Client> {
  const client = await startApp(db.url, {
    REDIS_URL: redis.url,
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_BURST: '30',
    RATE_LIMIT_PER_SECOND: '1',
    RATE_LIMIT_COMPLEXITY_PER_POINT: '10',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000',
    TRUST_PROXY: 'true',
    // Each app gets its own cache namespace unless a test shares one on purpose.
    CACHE_NAMESPACE: `rl-${process.pid}-${++seq}`,
    // Responses must execute (a cached hit costs nothing and would hide the limit).
    CACHE_ENABLED: 'false',
    ...env,
  });
  apps.push(client);
  return client;
}

async function call(
  client: Client,
  query: string,
  options: { token?: string; ip?: string; variables?: Record<string, unknown> } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await client.post(query, options.variables, options.token, {
    'x-forwarded-for': options.ip ?? '203.0.113.1',
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function signUp(client: Client, ip = '198.51.100.7'): Promise<string> {
  const email = `rl${process.pid}-${++seq}@example.com`;
  const { body } = await call(client, SIGN_UP, {
    ip,
    variables: { input: { email, name: 'Limited', password: 'password123' } },
  });
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data.signUp.token;
}

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await startOwnRedis();
});

afterAll(async () => {
  for (const client of apps) await client.app.stop();
  await redis.stop();
  await db.drop();
});

describe('per-user buckets', () => {
  let app: Client;
  beforeAll(async () => {
    app = await start();
  });

  it('a burst over the limit gets 429 with Retry-After and RATE_LIMITED; another user is unaffected', async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await call(app, PAGE, { token: alice }));
    // 30 points, 15 per page: two pass, the rest are refused until points come back.
    expect(results.map((r) => r.status)).toEqual([200, 200, 429, 429]);
    const refused = results[2];
    expect(refused?.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(refused?.body.data).toBeUndefined();
    const retryAfter = Number(refused?.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused?.headers.get('ratelimit-policy')).toBe('30;w=30');
    expect(refused?.headers.get('ratelimit')).toMatch(/^limit=30, remaining=0, reset=\d+$/);
    // Internals never leak into the body.
    expect(JSON.stringify(refused?.body)).not.toContain('"http"');

    const other = await call(app, PAGE, { token: bob });
    expect(other.status).toBe(200);
    expect(other.body.data.viewer.expenses.nodes).toEqual([]);
    expect(other.headers.get('ratelimit')).toBe('limit=30, remaining=15, reset=15');
  });

  it('a refused request runs no resolver and sends no SQL', async () => {
    const carol = await signUp(app);
    await call(app, PAGE, { token: carol });
    await call(app, PAGE, { token: carol });
    const { body, sql } = await (async () => {
      const before = (await app.app.metrics.sqlStatements.get()).values[0]?.value ?? 0;
      const result = await call(app, PAGE, { token: carol });
      const after = (await app.app.metrics.sqlStatements.get()).values[0]?.value ?? 0;
      return { body: result.body, sql: after - before };
    })();
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(sql).toBe(0);
  });

  it('cost follows complexity: aliases and big pages spend more, so a cheap query still fits', async () => {
    const dave = await signUp(app);
    // Five aliased copies of a cheap field cost more than one.
    const aliased = `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: viewer { expenses(first: 20) { nodes { id } } }`).join(' ')} }`;
    const first = await call(app, aliased, { token: dave });
    expect(first.status).toBe(200);
    const remaining = Number(/remaining=(\d+)/.exec(first.headers.get('ratelimit') ?? '')?.[1]);
    // Complexity 5 × (20 × 2 + 3): 1 + 21 points.
    expect(remaining).toBe(30 - 22);
    // Too expensive for what is left, while a cost-1 query still passes.
    const big = await call(app, PAGE, { token: dave });
    expect(big.status).toBe(429);
    const cheap = await call(app, CHEAP, { token: dave });
    expect(cheap.status).toBe(200);
  });

  it('the chat webhook spends from the same bucket (5 points a call)', async () => {
    const erin = await signUp(app);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await app.app.yoga.fetch('http://localhost/webhooks/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${erin}` },
        body: JSON.stringify({ text: `coffee ${i + 1}.00` }),
      });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(((await response.json()) as Json).error.code).toBe('RATE_LIMITED');
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    }
    // 30 points: six calls pass, the seventh is refused; GraphQL is now limited too.
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429]);
    expect((await call(app, PAGE, { token: erin })).status).toBe(429);
  });

  it('anonymous requests are limited per client address', async () => {
    // Cost is measured on the document, so it counts even where viewer is null.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(app, PAGE, { ip: '192.0.2.10' })).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await call(app, PAGE, { ip: '192.0.2.11' })).status).toBe(200);
  });
});

describe('the budget, as a field and as headers', () => {
  let app: Client;
  beforeAll(async () => {
    app = await start();
  });

  const BUDGET = '{ viewer { id } rateLimit { limit remaining cost resetAt } }';

  it('rateLimit tells the cost and what is left after this operation; reading it is free', async () => {
    const token = await signUp(app);
    const sent = Date.now();
    const first = await call(app, BUDGET, { token });
    const answered = Date.now();
    expect(first.status).toBe(200);
    const budget = first.body.data.rateLimit;
    // `{ viewer { id } }` alone costs 1; the rateLimit selection adds nothing.
    expect(budget).toMatchObject({ limit: 30, remaining: 29, cost: 1 });
    expect(first.headers.get('ratelimit')).toMatch(/^limit=30, remaining=29, reset=1$/);
    // One point short, one point a second: full again a second after the server answered.
    expect(Date.parse(budget.resetAt)).toBeGreaterThanOrEqual(sent + 1000 - 5);
    expect(Date.parse(budget.resetAt)).toBeLessThanOrEqual(answered + 1000 + 5);
    // A mutation costs 5 more than its complexity (points come back meanwhile, one a second).
    const created = await call(
      app,
      'mutation($input: CreateExpenseInput!) { createExpense(input: $input) { expense { id } } }',
      { token, variables: { input: { amount: '3.00', description: 'tea', date: '2026-11-01' } } },
    );
    expect(created.status).toBe(200);
    const mutationRemaining = Number(
      /remaining=(\d+)/.exec(created.headers.get('ratelimit') ?? '')?.[1],
    );
    const refilled = Math.ceil((Date.now() - sent) / 1000);
    expect(mutationRemaining).toBeLessThanOrEqual(29 - 6 + refilled);
    const pageAndBudget =
      '{ viewer { expenses(first: 20) { nodes { id amount description date merchant currency } } } rateLimit { remaining cost } }';
    const second = await call(app, pageAndBudget, { token });
    expect(second.body.data.rateLimit.cost).toBe(15);
    expect(second.body.data.rateLimit.remaining).toBe(
      Number(/remaining=(\d+)/.exec(second.headers.get('ratelimit') ?? '')?.[1]),
    );
  });

  it('with rate limiting off the field still answers: nothing is spent', async () => {
    const off = await start({ RATE_LIMIT_ENABLED: 'false' });
    const token = await signUp(off);
    const { body } = await call(off, BUDGET, { token });
    expect(body.data.rateLimit).toMatchObject({ limit: 30, remaining: 30, cost: 1 });
  });
});

describe('answers from the response cache', () => {
  let app: Client;
  beforeAll(async () => {
    app = await start({
      CACHE_ENABLED: 'true',
      RATE_LIMIT_BURST: '40',
      // A busy machine can keep Redis past the 50 ms default: the limiter would then decide in
      // a fresh in-process bucket and the cache go unused, which is not what is tested here.
      CACHE_REDIS_TIMEOUT_MS: '5000',
    });
  });

  it('cost a point each: a flood of identical requests is refused, over POST and GET', async () => {
    const token = await signUp(app);
    const first = await call(app, PAGE, { token });
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(first.headers.get('ratelimit')).toMatch(/remaining=25,/);

    // 400 at once, 20 in flight: the bucket (about 24 points, one back per second) runs dry.
    const started = Date.now();
    const statuses: number[] = [];
    // Stored answers, mostly: while Redis is slow to answer a version read (a busy machine),
    // a request runs without the cache and costs its full 15 points instead.
    let hits = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < 400) {
          next++;
          const response = await call(app, PAGE, { token });
          statuses.push(response.status);
          if (response.status === 429) {
            expect(response.body.errors[0].extensions.code).toBe('RATE_LIMITED');
            expect(response.body.data).toBeUndefined();
            expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          } else if (response.headers.get('x-cache') === 'HIT') {
            hits++;
          }
        }
      }),
    );
    const seconds = Math.ceil((Date.now() - started) / 1000);
    const passed = statuses.filter((s) => s === 200).length;
    expect(passed).toBeLessThanOrEqual(24 + seconds + 1);
    expect(statuses.filter((s) => s === 429).length).toBe(400 - passed);
    expect(hits).toBeGreaterThan(0);

    // Through yoga (GET) a stored answer is refused the same way (a point comes back each
    // second, so a few may pass first).
    const url = `/graphql?query=${encodeURIComponent(PAGE)}`;
    let get: Response | undefined;
    for (let i = 0; i < 100 && get?.status !== 429; i++) {
      get = await app.http.fetch(url, {
        headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' },
      });
    }
    if (!get) throw new Error('no request was sent');
    expect(get.status).toBe(429);
    expect(((await get.json()) as Json).errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('a stored answer fetched over GET carries the budget headers and costs one point', async () => {
    const token = await signUp(app);
    const url = `/graphql?query=${encodeURIComponent(CHEAP)}`;
    const headers = { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' };
    await app.http.fetch(url, { headers });
    const hit = await app.http.fetch(url, { headers });
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(hit.headers.get('ratelimit')).toMatch(/^limit=40, remaining=3[89], reset=\d+$/);
  });
});

describe('the defaults (300 points, 10 a second, 500 complexity a point)', () => {
  let app: Client;
  beforeAll(async () => {
    app = await start({
      CACHE_ENABLED: 'true',
      RATE_LIMIT_BURST: '',
      RATE_LIMIT_PER_SECOND: '',
      RATE_LIMIT_COMPLEXITY_PER_POINT: '',
    });
  });

  const SCREEN = `query($after: String) { viewer {
    expenses(first: 100, after: $after) {
      edges { cursor node { id amount currency description merchant date category { id name } } }
      pageInfo { hasNextPage endCursor } totalCount
    }
    summary(from: "2026-01-01", to: "2026-12-31") { total count }
  } }`;
  const CATEGORIES = `{ viewer { categories(first: 20) { nodes { id name color keywords
    expenses(first: 5) { nodes { id amount description date } } } } } }`;

  it('a person paging, browsing categories and adding expenses is never refused', async () => {
    const token = await signUp(app);
    const me = await call(app, '{ viewer { id } }', { token });
    const userId = dbId(me.body.data.viewer.id);
    await withSql(db.url, async (sql) => {
      await sql`insert into categories (user_id, name)
        select ${userId}, 'Category ' || i from generate_series(1, 20) as i`;
      await sql`insert into expenses (user_id, category_id, amount, currency, description,
          expense_date, category_source)
        select ${userId}, c.id, (i % 90 + 1)::numeric, 'USD', 'row ' || i,
          date '2026-01-01' + (i % 300), 'MANUAL'
        from generate_series(1, 900) as i
        join (select id, row_number() over (order by id) - 1 as n from categories
              where user_id = ${userId}) c on c.n = i % 20`;
    });
    const statuses: number[] = [];
    // Eight pages of 100 through the dashboard, as fast as the client can.
    let after: string | null = null;
    for (let page = 0; page < 8; page++) {
      const response = await call(app, SCREEN, { token, variables: { after } });
      statuses.push(response.status);
      after = response.body.data?.viewer.expenses.pageInfo.endCursor ?? null;
    }
    expect(after).not.toBeNull();
    // The categories screen with five expenses each, three times; then a few new expenses.
    for (let i = 0; i < 3; i++) statuses.push((await call(app, CATEGORIES, { token })).status);
    for (let i = 0; i < 5; i++) {
      const created = await call(
        app,
        'mutation($input: CreateExpenseInput!) { createExpense(input: $input) { expense { id } } }',
        {
          token,
          variables: { input: { amount: '2.50', description: `x${i}`, date: '2026-11-02' } },
        },
      );
      statuses.push(created.status);
      statuses.push((await call(app, CATEGORIES, { token })).status);
    }
    expect(statuses.every((status) => status === 200)).toBe(true);
    const { body } = await call(app, '{ rateLimit { remaining } }', { token });
    // A few points a screen (a 100-row page about 4, the categories screen 2, a new expense 6):
    // well within the bucket.
    expect(body.data.rateLimit.remaining).toBeGreaterThan(150);
  });
});

describe('signUp and logIn', () => {
  let app: Client;
  beforeAll(async () => {
    app = await start({
      // Roomy enough that the request bucket (a mutation costs 6) is not what refuses here.
      RATE_LIMIT_BURST: '1000',
      RATE_LIMIT_AUTH_PER_MINUTE: '20',
      RATE_LIMIT_LOGIN_FAILURES_PER_MINUTE: '5',
    });
  });

  it('allows 20 attempts per minute per IP, then 429; another IP is unaffected', async () => {
    // The bucket regains one attempt every 3 s, so a slow machine may see a refill mid-loop:
    // the bound on successes allows for the time the loop took.
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 30 && !statuses.includes(429); i++) {
      const { status, body } = await call(app, LOG_IN, {
        ip: '203.0.113.50',
        variables: { input: { email: `nobody${i}@example.com`, password: 'wrong-password' } },
      });
      statuses.push(status);
      if (status === 429) expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    }
    const refills = Math.ceil((Date.now() - started) / 3000);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20 + refills);
    // signUp shares the bucket (two tries: a refill may land between the 429 and the first).
    const signUps: number[] = [];
    for (let i = 0; i < 2; i++) {
      const { status } = await call(app, SIGN_UP, {
        ip: '203.0.113.50',
        variables: {
          input: { email: `late${i}@example.com`, name: 'Late', password: 'password123' },
        },
      });
      signUps.push(status);
    }
    expect(signUps).toContain(429);
    expect(await signUp(app, '203.0.113.51')).toBeTruthy();
  });

  it('5 failed log-ins lock that email for a while, even with the right password; other emails are fine', async () => {
    const email = `victim${process.pid}@example.com`;
    await call(app, SIGN_UP, {
      ip: '198.51.100.20',
      variables: { input: { email, name: 'Victim', password: 'the-right-password' } },
    });
    // Guesses spread over Unicode variants of the email (fullwidth, upper case, a Kelvin sign
    // for a k) are the same account, so the same bucket.
    const variants = [
      email,
      email.toUpperCase(),
      email.replace('v', 'ｖ'),
      email.replace('@example.com', '@EXAMPLE.COM'),
      email.replace('c', 'Ｃ'),
    ];
    for (let i = 0; i < 5; i++) {
      const { body } = await call(app, LOG_IN, {
        ip: `198.51.100.${30 + i}`,
        variables: { input: { email: variants[i], password: `guess-${i}` } },
      });
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const locked = await call(app, LOG_IN, {
      ip: '198.51.100.40',
      variables: { input: { email, password: 'the-right-password' } },
    });
    expect(locked.status).toBe(429);
    expect(locked.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const otherEmail = `bystander${process.pid}@example.com`;
    await call(app, SIGN_UP, {
      ip: '198.51.100.21',
      variables: { input: { email: otherEmail, name: 'B', password: 'password123' } },
    });
    const fine = await call(app, LOG_IN, {
      ip: '198.51.100.41',
      variables: { input: { email: otherEmail, password: 'password123' } },
    });
    expect(fine.body.data.logIn.token).toBeTruthy();
  });
});

describe('across instances and without Redis', () => {
  it('two instances share one bucket through Redis', async () => {
    const shared = { CACHE_NAMESPACE: `rl-shared-${process.pid}` };
    const a = await start(shared);
    const b = await start(shared);
    const token = await signUp(a);
    expect((await call(a, PAGE, { token })).status).toBe(200);
    expect((await call(b, PAGE, { token })).status).toBe(200);
    // Both requests spent from the same bucket: the third is refused wherever it lands.
    expect((await call(a, PAGE, { token })).status).toBe(429);
    expect((await call(b, PAGE, { token })).status).toBe(429);
  });

  it('Redis stopped: limiting falls back to in-process buckets, never a 500', async () => {
    const app = await start();
    const token = await signUp(app);
    await redis.stop();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(app, PAGE, { token })).status);
      expect(statuses).toEqual([200, 200, 429, 429]);
      const fallbacks = (await app.app.metrics.rateLimit.fallbacks.get()).values[0]?.value ?? 0;
      expect(fallbacks).toBeGreaterThanOrEqual(4);
      const metrics = await (await app.app.yoga.fetch('http://localhost/metrics')).text();
      expect(metrics).toMatch(
        /rate_limit_decisions_total\{bucket="request",outcome="limited"\} [1-9]/,
      );
    } finally {
      await redis.start();
    }
  });

  it('RATE_LIMIT_ENABLED=false: no limit at all', async () => {
    const app = await start({ RATE_LIMIT_ENABLED: 'false' });
    const token = await signUp(app);
    for (let i = 0; i < 5; i++) expect((await call(app, PAGE, { token })).status).toBe(200);
  });
});
