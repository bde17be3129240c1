/**
 * `npm run load`: measures the dashboard and nested queries against a seeded database and prints
 * req/s, latency percentiles, errors and SQL statements per request.
 *
 * Without --url it starts its own gateway (a child process, so the load generator does not share
 * its event loop) on DATABASE_URL, or on the embedded Postgres, seeding it first when it has no
 * seed users. With --url it targets a running gateway whose database was seeded by `npm run seed`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort } from '../src/free-port.js';
import { post } from './graphql-client.js';
import { suggestCategoryScenario } from './jobs.js';
import { rateLimitScenario } from './limits.js';
import { DASHBOARD, LOG_IN, NESTED } from './queries.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    users: { type: 'string', default: '100' },
    expenses: { type: 'string', default: '50000' },
    jobs: { type: 'string', default: '2000' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`)),
    );
  });
}

async function waitReady(base: string, child?: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child?.exitCode != null) throw new Error('the gateway exited during start-up');
    try {
      if ((await fetch(`${base}/ready`)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`${base} did not become ready`);
}

interface Counters {
  sql: number;
  hits: number;
  misses: number;
}

/** SQL statements and response-cache lookups so far, from the gateway's /metrics. */
async function counters(base: string): Promise<Counters> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  return {
    sql: value(/^sql_statements_total (\d+)/m),
    // A response found in L1 or L2 is a hit; only an L2 miss (after an L1 miss) is a real miss.
    hits:
      value(/^cache_hits_total\{level="l1",kind="response"\} (\d+)/m) +
      value(/^cache_hits_total\{level="l2",kind="response"\} (\d+)/m),
    misses: value(/^cache_misses_total\{level="l2",kind="response"\} (\d+)/m),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

interface Figures {
  scenario: string;
  reqPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number;
  sqlPerRequest: number;
  /** Share of requests answered from the response cache; null when the cache is off. */
  hitRatio: number | null;
}

/** A GraphQL query, or another endpoint with its body and the status that means success. */
type Target =
  | string
  | { path: string; body: string; status: number; seconds: number; connections: number };

async function scenario(
  base: string,
  name: string,
  target: Target,
  token: string,
): Promise<Figures> {
  const path = typeof target === 'string' ? '/graphql' : target.path;
  const body = typeof target === 'string' ? JSON.stringify({ query: target }) : target.body;
  const okStatus = typeof target === 'string' ? 200 : target.status;
  const seconds = typeof target === 'string' ? duration : Math.min(duration, target.seconds);
  const clients = typeof target === 'string' ? connections : target.connections;
  if (typeof target === 'string') {
    // Check once that the operation succeeds, so a broken query cannot pass as fast.
    const probe = await post(base, target, undefined, token);
    if (probe.errors) throw new Error(`${name} fails: ${JSON.stringify(probe.errors)}`);
  }
  const before = await counters(base);
  const latencies: number[] = [];
  let graphqlErrors = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${base}${path}`,
        method: 'POST',
        connections: clients,
        duration: seconds,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (status !== okStatus) graphqlErrors += 1;
    });
  });
  const after = await counters(base);
  latencies.sort((a, b) => a - b);
  const lookups = after.hits - before.hits + (after.misses - before.misses);
  return {
    scenario: name,
    reqPerSec: Math.round(result.requests.total / seconds),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? Number.NaN),
    errors: result.errors + result.timeouts + graphqlErrors,
    sqlPerRequest: Number(
      ((after.sql - before.sql) / Math.max(1, result.requests.total)).toFixed(2),
    ),
    hitRatio: lookups === 0 ? null : Number(((after.hits - before.hits) / lookups).toFixed(3)),
  };
}

async function logIn(
  base: string,
  email = 'user1@seed.ledgerline.dev',
): Promise<string | undefined> {
  const res = await post(base, LOG_IN, { input: { email, password: 'password123' } });
  return (res.data?.logIn as { token?: string } | undefined)?.token;
}

const children: ChildProcess[] = [];

/** Starts a gateway of our own as a child process (so it does not share our event loop). */
async function startGateway(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      // The scenarios measure throughput; rate limiting would cap it by design.
      RATE_LIMIT_ENABLED: 'false',
      JWT_SECRET: process.env.JWT_SECRET ?? 'load-test-secret-load-test-secret!',
      ...env,
    },
  });
  children.push(child);
  await waitReady(url, child);
  return url;
}

try {
  // Without --url: two gateways on the same database, response cache on and off.
  const targets: { mode: string; base: string }[] = values.url
    ? [{ mode: 'target', base: values.url.replace(/\/$/, '') }]
    : [
        { mode: 'cache on', base: await startGateway({ CACHE_ENABLED: 'true' }) },
        { mode: 'cache off', base: await startGateway({ CACHE_ENABLED: 'false' }) },
      ];
  const first = targets[0] as { base: string };
  let token = await logIn(first.base);
  if (!token && !values.url) {
    console.log(`No seed data yet: seeding ${values.users} users, ${values.expenses} expenses…`);
    await run(process.execPath, [
      '--import',
      'tsx',
      'src/db/seed-cli.ts',
      '--users',
      String(values.users),
      '--expenses',
      String(values.expenses),
    ]);
    token = await logIn(first.base);
  }
  if (!token) {
    throw new Error('cannot log in as user1@seed.ledgerline.dev: run `npm run seed` first');
  }

  const figures: Figures[] = [];
  for (const [name, query] of [
    ['dashboard', DASHBOARD],
    ['nested', NESTED],
  ] as const) {
    for (const { mode, base } of targets) {
      const label = targets.length > 1 ? `${name} (${mode})` : name;
      console.log(`Running ${label}: ${connections} connections for ${duration} s…`);
      figures.push(await scenario(base, label, query, token));
    }
  }
  console.log(`\nLedgerline load (${connections} connections, ${duration} s each)`);
  console.table(
    figures.map((f) => ({
      scenario: f.scenario,
      'req/s': f.reqPerSec,
      'p50 ms': f.p50,
      'p95 ms': f.p95,
      'p99 ms': f.p99,
      'max ms': f.max,
      errors: f.errors,
      'SQL/req': f.sqlPerRequest,
      'cache hit ratio': f.hitRatio ?? '-',
    })),
  );
  for (const name of ['dashboard', 'nested']) {
    const on = figures.find((f) => f.scenario === `${name} (cache on)`);
    const off = figures.find((f) => f.scenario === `${name} (cache off)`);
    if (on && off) {
      console.log(
        `${name}: the cache serves ${(on.reqPerSec / off.reqPerSec).toFixed(1)}x the uncached req/s`,
      );
    }
  }
  if (Number(values.jobs) > 0) {
    const target = targets.find((x) => x.mode === 'cache off') ?? first;
    console.log(`\nRunning suggest_category: ${values.jobs} expenses created without a category…`);
    const jobs = await suggestCategoryScenario(target.base, Number(values.jobs));
    console.table([
      {
        scenario: 'suggest_category',
        jobs: jobs.jobs,
        'jobs/s': jobs.jobsPerSecond,
        'p50 ms (enqueue to done)': jobs.p50,
        'p99 ms': jobs.p99,
        'max ms': jobs.max,
      },
    ]);
  }
  // The chat webhook answers 202 before any parsing: its latency is the enqueue's.
  const chat = targets.find((x) => x.mode === 'cache off') ?? first;
  // One connection, so the latency is the server's time, not queueing behind other requests.
  console.log(`\nRunning chat webhook: 1 connection for ${Math.min(duration, 3)} s…`);
  const webhook = await scenario(
    chat.base,
    'POST /webhooks/chat (202)',
    {
      path: '/webhooks/chat',
      body: JSON.stringify({ text: 'coffee 3.50 today' }),
      status: 202,
      seconds: 3,
      connections: 1,
    },
    token,
  );
  console.table([
    {
      scenario: webhook.scenario,
      'req/s': webhook.reqPerSec,
      'p50 ms': webhook.p50,
      'p99 ms': webhook.p99,
      errors: webhook.errors,
      'SQL/req': webhook.sqlPerRequest,
    },
  ]);
  figures.push(webhook);

  let limitsFailed = false;
  if (!values.url) {
    // The one gateway with rate limiting on (default buckets), cache off so every request costs.
    const limited = await startGateway({ CACHE_ENABLED: 'false', RATE_LIMIT_ENABLED: 'true' });
    const bystander = await logIn(limited, 'user2@seed.ledgerline.dev');
    const seconds = Math.min(duration, 5);
    console.log(
      `\nRunning rate limits: one user floods the dashboard on 8 connections for ${seconds} s…`,
    );
    const limits = await rateLimitScenario(limited, token, bystander ?? token, seconds);
    console.table([
      {
        scenario: 'rate limit (one user flooding)',
        requests: limits.requests,
        '200': limits.allowed,
        '429': limits.limited,
        other: limits.other,
        'allowed by the bucket': limits.expectedAllowed,
        'other user served': limits.bystanderOk,
      },
    ]);
    // One request of slack either way: the refill runs while requests are in flight.
    limitsFailed =
      limits.other > 0 ||
      !limits.bystanderOk ||
      limits.limited === 0 ||
      Math.abs(limits.allowed - limits.expectedAllowed) > 1;
    if (limitsFailed) console.error('The rate-limit scenario did not behave as the buckets say');
  }
  const failed = figures.filter((f) => f.errors > 0);
  if (failed.length) {
    console.error(`Errors in: ${failed.map((f) => f.scenario).join(', ')}`);
    process.exitCode = 1;
  }
  if (limitsFailed) process.exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGTERM');
}
