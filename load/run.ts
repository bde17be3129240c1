/**
 * `npm run load [-- --quick]`: every performance claim, measured on this machine. Starts its own
 * gateways (child processes) on DATABASE_URL or the embedded Postgres, seeds it when it has no
 * seed users, runs the scenarios with their thresholds, then writes load/results/<time>.json and
 * load/results/report.html and exits non-zero naming every missed threshold.
 *
 * Gateways: cache on, cache off, cache off with LOADERS=off (the naive resolver path, kept only
 * for this comparison), each with rate limiting off; a worker-enabled one for the job scenario
 * and one with default rate limits for the limit scenario. --quick: 3-second scenarios, no
 * scaling check, no job scenario.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/open.js';
import { SEED_EMAIL_DOMAIN, seed } from '../src/db/seed.js';
import { createLogger } from '../src/logger.js';
import {
  account,
  addExpenses,
  expenseCount,
  firstCategoryId,
  logIn,
  pageCursors,
} from './fixtures.js';
import { type Gateway, killGateways, startFloorServer, startGateway } from './gateway.js';
import { suggestCategoryScenario } from './jobs.js';
import { rateLimitScenario } from './limits.js';
import { type Measurement, measure, type RequestSpec, type Stage, warmUp } from './measure.js';
import {
  ADMIN_NESTED,
  CATEGORIES,
  CREATE_EXPENSE,
  CREATE_MANY,
  DASHBOARD,
  NESTED,
  PAGE,
  SIGN_UP,
  SUMMARY,
} from './queries.js';
import { type RunResult, renderHtml, type ScalingRow, type Verdict } from './report.js';
import {
  dropQueuedJobs,
  LOAD_MERCHANT,
  removeLoadAccounts,
  removeLoadWrites,
  rollUpAll,
} from './rollup.js';
import { scalingCheck } from './scaling.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    users: { type: 'string', default: '100' },
    expenses: { type: 'string', default: '50000' },
    jobs: { type: 'string', default: '2000' },
    scaling: { type: 'string', default: '10000,200000,2000000' },
    out: { type: 'string', default: 'load/results' },
    /** Runs only the scenarios whose name contains this (for investigating one). */
    only: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const seconds = Number(values.duration ?? (quick ? 3 : 10));
/** Unmeasured load before each scenario (the gateway's steady state is what thresholds judge). */
const warmUpSeconds = quick ? 1 : 2;

interface Threshold {
  readonly label: string;
  check(m: Measurement): { passed: boolean; actual: string };
}

const p95Below = (ms: number): Threshold => ({
  label: `p95 < ${ms} ms`,
  check: (m) => ({ passed: m.p95 < ms, actual: `p95 ${m.p95} ms` }),
});
const atLeast = (reqPerSec: number): Threshold => ({
  label: `>= ${reqPerSec.toLocaleString('en-US')} req/s`,
  check: (m) => ({ passed: m.reqPerSec >= reqPerSec, actual: `${m.reqPerSec} req/s` }),
});
const noErrors: Threshold = {
  label: 'no errors',
  check: (m) => ({
    passed: m.errorCount === 0,
    actual: m.errorCount === 0 ? '0 errors' : JSON.stringify(m.errors),
  }),
};
const hitRatioAtLeast = (ratio: number): Threshold => ({
  label: `cache hit ratio >= ${ratio}`,
  check: (m) => ({ passed: (m.hitRatio ?? 0) >= ratio, actual: `hit ratio ${m.hitRatio ?? '-'}` }),
});
const rowsPerSecAtLeast = (rows: number): Threshold => ({
  label: `>= ${rows.toLocaleString('en-US')} rows/s`,
  check: (m) => {
    const actual = m.extra?.rowsPerSec ?? 0;
    return { passed: actual >= rows, actual: `${actual.toLocaleString('en-US')} rows/s` };
  },
});

interface Scenario {
  readonly name: string;
  readonly group: string;
  readonly gateway: Gateway;
  readonly spec: RequestSpec;
  readonly stages: readonly Stage[];
  readonly thresholds: readonly Threshold[];
  /** Derives extra figures (rows/s) from the measurement. */
  readonly extra?: (m: Measurement) => Record<string, number>;
  /** It creates expenses (marked with LOAD_MERCHANT), removed once it is measured. */
  readonly writes?: boolean;
}

const gql = (query: string, variables?: object) => JSON.stringify({ query, variables });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

const config = loadConfig();
const database = await openDatabase(config, createLogger({ logLevel: 'warn' }));
const gateways: Gateway[] = [];
const start = async (env: Record<string, string>) => {
  const gateway = await startGateway(database.url, env);
  gateways.push(gateway);
  return gateway;
};
const notes: string[] = [];
const processes = os.availableParallelism();
/** The harness's own connection: seeding, the steady state, removing the scenarios' writes. */
const harnessSql = postgres(database.url, { max: 2, onnotice: () => {} });

try {
  const [{ n: seeded } = { n: 0 }] = await harnessSql<{ n: number }[]>`
    select count(*)::int as n from users where email like ${`%@${SEED_EMAIL_DOMAIN}`}`;
  if (seeded === 0) {
    console.log(`Seeding ${values.users} users and ${values.expenses} expenses…`);
    const result = await seed(harnessSql, {
      users: Number(values.users),
      expenses: Number(values.expenses),
    });
    console.log(`Seeded in ${result.copySeconds.toFixed(1)} s of COPY.`);
  }
  // The steady state a running product is in: the worker has rolled the seed up, and nothing an
  // earlier run wrote or signed up is left.
  const leftovers = await removeLoadAccounts(harnessSql);
  if (leftovers > 0) console.log(`Removed ${leftovers} accounts earlier runs made.`);
  await removeLoadWrites(harnessSql);
  await rollUpAll(harnessSql);
  const sqlSource = await harnessSql`select 1 from pg_stat_statements limit 1`.then(
    () => 'pg_stat_statements is loaded, but figures use the gateway counter (same statements)',
    () => "the gateway's own counter (pg_stat_statements is not loaded on this server)",
  );

  notes.push(
    `Each scenario first runs ${warmUpSeconds} s unmeasured at its own load (the gateway's steady state is measured, not its first seconds of compiling hot paths).`,
  );
  console.log('Starting gateways…');
  // The measured gateways run a process per core (WEB_CONCURRENCY), as a deployment on this
  // machine would. Clustering the cache needs Redis (each process has its own L1).
  const cluster = { WEB_CONCURRENCY: String(processes) };
  const cacheOn = await start(
    config.redisUrl ? { CACHE_ENABLED: 'true', ...cluster } : { CACHE_ENABLED: 'true' },
  );
  if (!config.redisUrl) {
    notes.push(
      'The cache-on gateway ran one process: REDIS_URL is unset, and WEB_CONCURRENCY > 1 needs it.',
    );
  }
  const cacheOff = await start({ CACHE_ENABLED: 'false', ...cluster });
  const naive = await start({ CACHE_ENABLED: 'false', LOADERS: 'off', ...cluster });

  console.log('Preparing fixtures…');
  const user1 = (await logIn(cacheOff.base, `user1@${SEED_EMAIL_DOMAIN}`)) as string;
  if (!user1) throw new Error('cannot log in as the seeded user1');
  const seededTokens = [user1];
  for (let i = 2; i <= 20; i++) {
    const token = await logIn(cacheOff.base, `user${i}@${SEED_EMAIL_DOMAIN}`);
    if (token) seededTokens.push(token);
  }
  // Writes name a category, so they queue no suggestion jobs (no worker runs here; a backlog
  // would land on the job scenario).
  const seededUsers = await Promise.all(
    seededTokens.map(async (token) => ({
      token,
      categoryId: await firstCategoryId(cacheOff.base, token),
    })),
  );
  const admin = await account(cacheOff.base, 'load-admin@example.com', 'Load Admin');
  const stamp = Date.now();
  const reader = await account(cacheOff.base, `load-reader-${stamp}@example.com`, 'Reader');
  const readerCategory = await firstCategoryId(cacheOff.base, reader);
  await addExpenses(cacheOff.base, reader, 500, readerCategory);
  const readerCursors = [null, ...(await pageCursors(cacheOff.base, reader, 20)).slice(0, -1)];
  const bulkUser = await account(cacheOff.base, `load-bulk-${stamp}@example.com`, 'Bulk');
  const bulkCategory = await firstCategoryId(cacheOff.base, bulkUser);
  const bulkBody = gql(CREATE_MANY, {
    input: {
      expenses: Array.from({ length: 1000 }, (_, i) => ({
        amount: `${(i % 97) + 1}.25`,
        description: `bulk row ${i}`,
        categoryId: bulkCategory,
        date: `2026-${String((i % 12) + 1).padStart(2, '0')}-10`,
      })),
    },
  });
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  let signUps = 0;

  const at = (connections: number, n = seconds): Stage[] => [{ connections, seconds: n }];

  const scenarios: Scenario[] = [
    // The seed guide's promises.
    {
      name: 'sign-ups',
      group: 'seed guide',
      gateway: cacheOff,
      spec: {
        next: () => ({
          body: gql(SIGN_UP, {
            input: {
              email: `load-signup-${stamp}-${++signUps}@example.com`,
              name: 'Signup',
              password: 'password123',
            },
          }),
        }),
      },
      stages: at(50),
      thresholds: [p95Below(10), noErrors],
    },
    {
      name: 'create expense',
      group: 'seed guide',
      gateway: cacheOff,
      spec: {
        headers: bearer(reader),
        body: gql(CREATE_EXPENSE, {
          input: { amount: '4.50', description: 'coffee at the corner', merchant: LOAD_MERCHANT },
        }),
      },
      stages: at(30),
      thresholds: [p95Below(50), noErrors],
      writes: true,
    },
    {
      name: 'pages of a 500-expense user',
      group: 'seed guide',
      gateway: cacheOff,
      spec: {
        headers: bearer(reader),
        next: () => ({ body: gql(PAGE, { after: pick(readerCursors) }) }),
      },
      stages: at(40),
      thresholds: [p95Below(20), noErrors],
    },
    {
      name: 'category lookup',
      group: 'seed guide',
      gateway: cacheOff,
      spec: { headers: bearer(user1), body: gql(CATEGORIES) },
      stages: at(4),
      thresholds: [p95Below(5), noErrors],
    },
    {
      name: 'mixed 60% create / 40% read',
      group: 'seed guide',
      gateway: cacheOn,
      spec: {
        headers: bearer(reader),
        next: () => ({
          body:
            Math.random() < 0.6
              ? gql(CREATE_EXPENSE, {
                  input: {
                    amount: '12.00',
                    description: 'lunch',
                    categoryId: readerCategory,
                    merchant: LOAD_MERCHANT,
                  },
                })
              : gql(DASHBOARD),
        }),
      },
      stages: at(30),
      thresholds: [p95Below(50), noErrors],
      writes: true,
    },
    {
      name: 'cached dashboard',
      group: 'seed guide',
      gateway: cacheOn,
      spec: { headers: bearer(user1), body: gql(DASHBOARD) },
      stages: at(16),
      thresholds: [p95Below(50), hitRatioAtLeast(0.7), noErrors],
    },
    {
      name: 'stress: 100 connections',
      group: 'seed guide',
      gateway: cacheOn,
      spec: { next: () => ({ body: gql(DASHBOARD), headers: bearer(pick(seededTokens)) }) },
      stages: at(100),
      thresholds: [atLeast(1000), noErrors],
    },
    {
      name: 'ramp-up 5→10→20→50',
      group: 'seed guide',
      gateway: cacheOff,
      spec: { next: () => ({ body: gql(DASHBOARD), headers: bearer(pick(seededTokens)) }) },
      stages: [5, 10, 20, 50].map((connections) => ({
        connections,
        seconds: Math.max(2, Math.round(seconds / 2)),
      })),
      thresholds: [noErrors],
    },
    {
      name: 'sustained (90% read / 10% write, 20 users)',
      group: 'seed guide',
      gateway: cacheOn,
      spec: {
        next: () => {
          const user = pick(seededUsers);
          return {
            headers: bearer(user.token),
            body:
              Math.random() < 0.9
                ? gql(DASHBOARD)
                : gql(CREATE_EXPENSE, {
                    input: {
                      amount: '3.10',
                      description: 'bus ticket',
                      categoryId: user.categoryId,
                      merchant: LOAD_MERCHANT,
                    },
                  }),
          };
        },
      },
      stages: at(20, quick ? 10 : 60),
      thresholds: [noErrors, hitRatioAtLeast(0.7)],
      writes: true,
    },
    // GraphQL-specific.
    {
      name: 'dashboard (uncached)',
      group: 'graphql',
      gateway: cacheOff,
      spec: { headers: bearer(user1), body: gql(DASHBOARD) },
      stages: at(16),
      thresholds: [atLeast(1500), noErrors],
    },
    {
      name: 'nested fan-out 50×10×5 (admin, uncached)',
      group: 'graphql',
      gateway: cacheOff,
      spec: { headers: bearer(admin), body: gql(ADMIN_NESTED) },
      stages: at(16),
      thresholds: [atLeast(150), noErrors],
    },
    {
      name: 'monthly summary (uncached)',
      group: 'graphql',
      gateway: cacheOff,
      spec: { headers: bearer(user1), body: gql(SUMMARY, { from: monthAgo, to: today }) },
      stages: at(16),
      thresholds: [noErrors],
    },
    {
      name: 'bulk createExpenses (1,000 rows)',
      group: 'graphql',
      gateway: cacheOff,
      spec: { headers: bearer(bulkUser), body: bulkBody },
      stages: at(4),
      thresholds: [rowsPerSecAtLeast(50_000), noErrors],
      extra: (m) => ({
        rowsPerSec: Math.round(((m.requests - m.errorCount) * 1000) / m.seconds),
      }),
    },
    // Modes compared in the same run.
    {
      name: 'nested, DataLoaders on (uncached)',
      group: 'modes',
      gateway: cacheOff,
      spec: { headers: bearer(user1), body: gql(NESTED) },
      stages: at(16),
      thresholds: [noErrors],
    },
    {
      name: 'nested, LOADERS=off (uncached)',
      group: 'modes',
      gateway: naive,
      spec: { headers: bearer(user1), body: gql(NESTED) },
      stages: at(16),
      thresholds: [noErrors],
    },
    {
      name: 'nested (cached)',
      group: 'modes',
      gateway: cacheOn,
      spec: { headers: bearer(user1), body: gql(NESTED) },
      stages: at(16),
      thresholds: [noErrors],
    },
  ];

  const measurements: Measurement[] = [];
  const verdicts: Verdict[] = [];
  const record = (scenario: Scenario, m: Measurement) => {
    const withExtra = scenario.extra ? { ...m, extra: scenario.extra(m) } : m;
    measurements.push(withExtra);
    for (const threshold of scenario.thresholds) {
      const { passed, actual } = threshold.check(withExtra);
      verdicts.push({ scenario: scenario.name, threshold: threshold.label, actual, passed });
    }
    const flag = scenario.thresholds.every((t) => t.check(withExtra).passed) ? 'ok' : 'MISSED';
    console.log(
      `  ${flag.padEnd(6)} ${scenario.name}: ${withExtra.reqPerSec} req/s, p95 ${withExtra.p95} ms, ${withExtra.errorCount} errors, ${withExtra.sqlPerRequest} SQL/req`,
    );
  };

  /**
   * After a write scenario, what a running worker would have left: its rows removed (they were
   * the scenario's, not the seed's), the days they marked rolled up, and their queued jobs done
   * (dropped here: they name removed rows). A backlog of 20,000 suggestion jobs made every
   * /metrics sample of the scenarios after it count them (`jobs_in_queue`, 15-40 ms of Postgres).
   */
  const steadyState = async () => {
    await removeLoadWrites(harnessSql);
    await rollUpAll(harnessSql);
    await dropQueuedJobs(harnessSql);
  };

  /** Probes the scenario's request once, then measures it and records the verdicts. */
  const run = async (scenario: Scenario) => {
    if (values.only && !scenario.name.includes(values.only)) return;
    console.log(`Running ${scenario.name}…`);
    // Each scenario first succeeds once, so a broken request cannot pass as fast.
    if (scenario.spec.body) {
      const probe = await fetch(`${scenario.gateway.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...scenario.spec.headers },
        body: scenario.spec.body,
      });
      const text = await probe.text();
      if (!probe.ok || text.includes('"errors"')) {
        throw new Error(`${scenario.name} fails before load: ${text.slice(0, 300)}`);
      }
    }
    const { gateway, name, group, spec, stages } = scenario;
    await warmUp(gateway.base, spec, stages[0]?.connections ?? 1, warmUpSeconds);
    // (Only the rows: a whole rollup and VACUUM right before measuring left the machine busy
    // writing out what they dirtied.)
    if (scenario.writes) await removeLoadWrites(harnessSql);
    record(scenario, await measure(gateway.base, name, group, spec, stages));
    if (scenario.writes) await steadyState();
  };

  // The fixtures were written through the API, which marked their days dirty; a worker would
  // have rolled them up within METRICS_DEBOUNCE_MS.
  await rollUpAll(harnessSql);
  for (const scenario of scenarios) {
    await run(scenario);
  }

  // A cursor 5,000 rows deep into the bulk user's list (the bulk scenario wrote the rows).
  if ((await expenseCount(cacheOff.base, bulkUser)) < 5020) {
    await addExpenses(cacheOff.base, bulkUser, 5020, bulkCategory);
  }
  const deep = (await pageCursors(cacheOff.base, bulkUser, 100, 50)).at(-1) as string;
  const deepScenario: Scenario = {
    name: 'page 5,000 rows deep (uncached)',
    group: 'graphql',
    gateway: cacheOff,
    spec: { headers: bearer(bulkUser), body: gql(PAGE, { after: deep }) },
    stages: at(16),
    thresholds: [p95Below(20), noErrors],
  };
  await run(deepScenario);

  // The machine's floor: HTTP and SQL round trips with no GraphQL at all (no thresholds; the
  // figures that every gateway on this machine is bounded by).
  for (const roundTrips of [0, 1, 4]) {
    const floor = await startFloorServer(database.url, { roundTrips });
    await run({
      name: `floor: HTTP + ${roundTrips} × select 1`,
      group: 'machine floor',
      gateway: floor,
      spec: { body: '{}' },
      stages: at(16),
      thresholds: [noErrors],
    });
    await floor.stop();
  }

  // Rate limits: the one gateway with them on (not with --only).
  if (!values.only) {
    const limited = await start({ CACHE_ENABLED: 'false', RATE_LIMIT_ENABLED: 'true' });
    console.log('Running rate limits: user1 floods the dashboard on 8 connections…');
    const limits = await rateLimitScenario(
      limited.base,
      user1,
      seededTokens[1] ?? admin,
      Math.min(seconds, 5),
    );
    const limitsOk =
      limits.other === 0 &&
      limits.bystanderOk &&
      limits.limited > 0 &&
      Math.abs(limits.allowed - limits.expectedAllowed) <= 1;
    verdicts.push({
      scenario: 'rate limit (one user flooding)',
      threshold: '200s = what the bucket allows (±1), the rest 429, other user served',
      actual: `${limits.allowed} × 200 (bucket allows ${limits.expectedAllowed}), ${limits.limited} × 429, ${limits.other} other, other user ${limits.bystanderOk ? 'served' : 'NOT served'}`,
      passed: limitsOk,
    });
    console.log(`  ${limitsOk ? 'ok' : 'MISSED'}     rate limit: ${verdicts.at(-1)?.actual}`);
    await limited.stop();
  }

  if (!quick && !values.only && Number(values.jobs) > 0) {
    // The create-expense scenario queued a suggestion job per expense; measured from an empty
    // queue, not behind that backlog.
    await dropQueuedJobs(harnessSql);
    const worker = await start({ CACHE_ENABLED: 'false', WORKER_ENABLED: 'true' });
    console.log(`Running suggest_category: ${values.jobs} uncategorized expenses in one burst…`);
    const jobs = await suggestCategoryScenario(worker.base, Number(values.jobs));
    notes.push(
      `suggest_category: ${jobs.jobs} jobs at ${jobs.jobsPerSecond} jobs/s; enqueue to done p50 ${jobs.p50} ms, p99 ${jobs.p99} ms (queueing behind the burst included)`,
    );
    console.log(`  ${notes.at(-1)}`);
    await worker.stop();
  }

  let scaling: ScalingRow[] = [];
  if (!quick && !values.only && values.scaling) {
    const sizes = values.scaling
      .split(',')
      .map(Number)
      .filter((n) => n > 0);
    console.log(`Scaling check on ${sizes.join(', ')} expenses…`);
    const check = await scalingCheck(database.url, sizes, Math.min(seconds, 5));
    scaling = check.rows;
    for (const verdict of check.verdicts) verdicts.push(verdict);
  }

  // The database as the run found it: the seed, the admin, nothing this run's scenarios made
  // (autovacuum, or the next run's start, vacuums).
  await removeLoadAccounts(harnessSql);

  const find = (name: string) => measurements.find((m) => m.scenario === name);
  const comparisons = [
    ['dashboard: cache on vs off', 'cached dashboard', 'dashboard (uncached)', 'req/s'],
    ['nested: cache on vs off', 'nested (cached)', 'nested, DataLoaders on (uncached)', 'req/s'],
    [
      'nested: DataLoaders on vs LOADERS=off',
      'nested, DataLoaders on (uncached)',
      'nested, LOADERS=off (uncached)',
      'req/s',
    ],
  ].flatMap(([label, on, off, unit]) => {
    const a = find(on as string);
    const b = find(off as string);
    return a && b
      ? [{ label: label as string, on: a.reqPerSec, off: b.reqPerSec, unit: unit as string }]
      : [];
  });
  const loadersOn = find('nested, DataLoaders on (uncached)');
  const loadersOff = find('nested, LOADERS=off (uncached)');
  if (loadersOn && loadersOff) {
    comparisons.push({
      label: 'nested: SQL/request, DataLoaders on vs off',
      on: loadersOn.sqlPerRequest,
      off: loadersOff.sqlPerRequest,
      unit: 'statements',
    });
  }

  const result: RunResult = {
    startedAt: new Date().toISOString(),
    quick,
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load generator, gateways (WEB_CONCURRENCY=${processes}; cache-on: ${config.redisUrl ? `${processes}, with Redis` : '1, no Redis'}) and Postgres share it`,
    sqlSource,
    measurements,
    comparisons,
    scaling,
    verdicts,
    notes,
  };
  mkdirSync(values.out, { recursive: true });
  const file = path.join(values.out, `${result.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(values.out, 'report.html'), renderHtml(result));

  console.log(`\nLedgerline load (${quick ? 'quick' : 'full'} run)`);
  console.table(
    measurements.map((m) => ({
      scenario: m.scenario,
      conns: m.connections,
      'req/s': m.reqPerSec,
      p50: m.p50,
      p95: m.p95,
      p99: m.p99,
      max: m.max,
      errors: m.errorCount,
      'SQL/req': m.sqlPerRequest,
      'hit ratio': m.hitRatio ?? '-',
      'RSS MB': m.peakRssMb,
    })),
  );
  for (const c of comparisons) console.log(`${c.label}: ${c.on} vs ${c.off} ${c.unit}`);
  for (const row of scaling) {
    console.log(
      `scaling ${row.expenses} expenses, ${row.query}: p50 ${row.p50} ms, p95 ${row.p95} ms`,
    );
  }
  console.log(`\nResults: ${file}\nReport:  ${path.join(values.out, 'report.html')}`);
  const missed = verdicts.filter((v) => !v.passed);
  if (missed.length) {
    console.error(`\n${missed.length} of ${verdicts.length} thresholds missed:`);
    for (const v of missed) console.error(`  ${v.scenario}: ${v.threshold} (got ${v.actual})`);
    process.exitCode = 1;
  } else {
    console.log(`\nAll ${verdicts.length} thresholds met.`);
  }
} finally {
  for (const gateway of gateways) await gateway.stop().catch(() => {});
  killGateways();
  await harnessSql.end();
  await database.stop();
}
