/**
 * `npm run load`: measures the dashboard and nested queries against a seeded database and prints
 * req/s, latency percentiles, errors and SQL statements per request.
 *
 * Without --url it starts its own gateway (a child process, so the load generator does not share
 * its event loop) on DATABASE_URL, or on the embedded Postgres, seeding it first when it has no
 * seed users. With --url it targets a running gateway whose database was seeded by `npm run seed`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { DASHBOARD, LOG_IN, NESTED } from './queries.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    users: { type: 'string', default: '100' },
    expenses: { type: 'string', default: '50000' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

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

async function post(base: string, query: string, variables?: object, token?: string) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: { logIn?: { token?: string } }; errors?: unknown[] };
}

async function sqlStatements(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^sql_statements_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
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
}

async function scenario(
  base: string,
  name: string,
  query: string,
  token: string,
): Promise<Figures> {
  // Check once that the operation succeeds, so a broken query cannot pass as fast.
  const probe = await post(base, query, undefined, token);
  if (probe.errors) throw new Error(`${name} fails: ${JSON.stringify(probe.errors)}`);
  const before = await sqlStatements(base);
  const latencies: number[] = [];
  let graphqlErrors = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${base}/graphql`,
        method: 'POST',
        connections,
        duration,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (status !== 200) graphqlErrors += 1;
    });
  });
  const after = await sqlStatements(base);
  latencies.sort((a, b) => a - b);
  return {
    scenario: name,
    reqPerSec: Math.round(result.requests.total / duration),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? Number.NaN),
    errors: result.errors + result.timeouts + result.non2xx + graphqlErrors,
    sqlPerRequest: Number(((after - before) / Math.max(1, result.requests.total)).toFixed(2)),
  };
}

async function logIn(base: string): Promise<string | undefined> {
  const res = await post(base, LOG_IN, {
    input: { email: 'user1@seed.ledgerline.dev', password: 'password123' },
  });
  return res.data?.logIn?.token;
}

let child: ChildProcess | undefined;
let base = values.url?.replace(/\/$/, '');
try {
  if (!base) {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        JWT_SECRET: process.env.JWT_SECRET ?? 'load-test-secret-load-test-secret!',
      },
    });
    await waitReady(base, child);
  }
  let token = await logIn(base);
  if (!token && child) {
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
    token = await logIn(base);
  }
  if (!token)
    throw new Error('cannot log in as user1@seed.ledgerline.dev: run `npm run seed` first');

  const figures: Figures[] = [];
  for (const [name, query] of [
    ['dashboard', DASHBOARD],
    ['nested', NESTED],
  ] as const) {
    console.log(`Running ${name}: ${connections} connections for ${duration} s…`);
    figures.push(await scenario(base, name, query, token));
  }
  console.log(`\nLedgerline load (${connections} connections, ${duration} s each, ${base})`);
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
    })),
  );
  const failed = figures.filter((f) => f.errors > 0);
  if (failed.length) {
    console.error(`Errors in: ${failed.map((f) => f.scenario).join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  child?.kill('SIGTERM');
}
