/**
 * `npm run load [-- --quick]`: every performance claim, measured on this machine. Starts its own
 * gateways (child processes) on DATABASE_URL or the embedded Postgres, seeds it when it has no
 * seed users, measures Ledgerline against the PostGraphile peer on the shared scenarios
 * (peer-stage.ts), runs the other scenarios with their thresholds (targets.ts: ratios to the
 * peer, the machine floor and the password KDF, measured in the same run), then writes
 * load/results/<time>.json and load/results/report.html and exits non-zero naming every missed
 * threshold. `--help` lists the options.
 *
 * Gateways: cache on, cache off, cache off with LOADERS=off (the naive resolver path, kept only
 * for this comparison), each with rate limiting off and a process per core; one process with
 * cache off beside the peer; a worker-enabled one for the job scenario and one with default rate
 * limits for the limit scenario.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/open.js';
import { SEED_EMAIL_DOMAIN, seed } from '../src/db/seed.js';
import { decodeId } from '../src/domain/ids.js';
import { createLogger } from '../src/logger.js';
import { type BulkCeiling, measureBulkCeiling } from './bulk-ceiling.js';
import {
  account,
  addExpenses,
  adminAccount,
  expenseCount,
  firstCategoryId,
  logIn,
  pageCursors,
} from './fixtures.js';
import { createFloors, type FloorKey, floorName } from './floors.js';
import { type Gateway, killGateways, startGateway } from './gateway.js';
import { formatHeadToHead, type HeadToHead } from './head-to-head.js';
import { suggestCategoryScenario } from './jobs.js';
import { type KdfFigures, measureKdf } from './kdf.js';
import { rateLimitScenario } from './limits.js';
import { type Measurement, measure, type RequestSpec, type Stage, warmUp } from './measure.js';
import { mixedBody } from './mixed.js';
import { parseLoadArgs } from './options.js';
import { killPeers } from './peer.js';
import { sharedStage } from './peer-stage.js';
import {
  CATEGORIES,
  CREATE_EXPENSE,
  CREATE_MANY,
  DASHBOARD,
  NESTED,
  PAGE,
  SIGN_UP,
} from './queries.js';
import {
  bulkCeilingLine,
  kdfLine,
  type RunResult,
  renderHtml,
  type ScalingRow,
  type Verdict,
} from './report.js';
import {
  dropQueuedJobs,
  LOAD_MERCHANT,
  removeLoadAccounts,
  removeLoadWrites,
  rollUpAll,
} from './rollup.js';
import { scalingCheck } from './scaling.js';
import {
  bulkCeilingShare,
  type FloorTarget,
  fractionOf,
  headToHeadVerdicts,
  hitRatioAtLeast,
  kdfLatency,
  kdfThroughput,
  noErrors,
  rowsPerSecAtLeast,
  sharedKey,
  sqlAtMost,
  sqlOf,
  TARGETS,
  type Target,
  type Threshold,
} from './targets.js';

const parsed = parseLoadArgs(process.argv.slice(2));
if (parsed.kind === 'help') {
  process.stdout.write(parsed.text);
  process.exit(0);
}
if (parsed.kind === 'error') {
  console.error(`npm run load: ${parsed.message}`);
  process.exit(2);
}
const options = parsed.options;
const { quick, seconds, only } = options;
/** Unmeasured load before each scenario (the gateway's steady state is what thresholds judge). */
const warmUpSeconds = quick ? 1 : 2;
/** The head-to-head's shape: the same for both servers. */
const HEAD_TO_HEAD = { rounds: 2, connections: 16 } as const;
/** The deep page of the shared scenarios: rows into the bulk user's list. */
const DEEP_POSITION = 5000;

/** A gateway the run started, with its process count (floors are measured with as many). */
interface Started extends Gateway {
  readonly processes: number;
}

interface Scenario {
  readonly name: string;
  readonly group: string;
  readonly gateway: Started;
  readonly spec: RequestSpec;
  readonly stages: readonly Stage[];
  readonly thresholds: readonly Threshold[];
  /**
   * Thresholds against a figure measured first (a floor, the KDF), resolved right before the
   * scenario's warm-up.
   */
  readonly judgedBy?: () => Promise<Threshold[]>;
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
const start = async (env: Record<string, string>): Promise<Started> => {
  const gateway = await startGateway(database.url, env);
  gateways.push(gateway);
  return { ...gateway, processes: Number(env.WEB_CONCURRENCY ?? 1) };
};
const notes: string[] = [];
const processes = os.availableParallelism();
/** The harness's own connection: seeding, the steady state, removing the scenarios' writes. */
const harnessSql = postgres(database.url, { max: 2, onnotice: () => {} });
const measurements: Measurement[] = [];
const verdicts: Verdict[] = [];

try {
  const [{ n: seeded } = { n: 0 }] = await harnessSql<{ n: number }[]>`
    select count(*)::int as n from users where email like ${`%@${SEED_EMAIL_DOMAIN}`}`;
  if (seeded === 0) {
    console.log(`Seeding ${options.users} users and ${options.expenses} expenses…`);
    const result = await seed(harnessSql, { users: options.users, expenses: options.expenses });
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
    "CPU ms/request and peak RSS come from /proc, summed over every process of a server (a clustered gateway's primary and workers); SQL/request in the verdicts counts the statements the requests' own GraphQL operations sent.",
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
  const admin = await adminAccount(cacheOff.base, harnessSql, 'load-admin@example.com');
  const stamp = Date.now();
  const reader = await account(cacheOff.base, `load-reader-${stamp}@example.com`, 'Reader');
  const readerCategory = await firstCategoryId(cacheOff.base, reader);
  await addExpenses(cacheOff.base, reader, 500, readerCategory);
  const readerCursors = [null, ...(await pageCursors(cacheOff.base, reader, 20)).slice(0, -1)];
  const bulkUser = await account(cacheOff.base, `load-bulk-${stamp}@example.com`, 'Bulk');
  const bulkCategory = await firstCategoryId(cacheOff.base, bulkUser);
  // The deep page: the bulk user's list, a full page past DEEP_POSITION (the bulk scenario
  // writes more of its rows later).
  if ((await expenseCount(cacheOff.base, bulkUser)) < DEEP_POSITION + 20) {
    await addExpenses(cacheOff.base, bulkUser, DEEP_POSITION + 20, bulkCategory);
  }
  const deepCursor = (await pageCursors(cacheOff.base, bulkUser, 100, DEEP_POSITION / 100)).at(
    -1,
  ) as string;
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
  // The size of a dashboard answer: the fixed-body floor answers as many bytes.
  const dashboardBytes = Buffer.byteLength(
    await (
      await fetch(`${cacheOff.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(user1) },
        body: gql(DASHBOARD),
      })
    ).text(),
  );
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  let signUps = 0;

  // The fixtures were written through the API, which marked their days dirty; a worker would
  // have rolled them up within METRICS_DEBOUNCE_MS.
  await rollUpAll(harnessSql);

  const floors = createFloors({
    databaseUrl: database.url,
    seconds,
    warmUpSeconds,
    onMeasured: (m) => measurements.push(m),
    log: (line) => console.log(line),
  });
  /** ">= value × floor (…)" against the floor of this gateway's shape and connections. */
  const againstFloor = (target: FloorTarget, key: Omit<FloorKey, 'roundTrips'>) => async () => {
    const full: FloorKey = { ...key, roundTrips: target.roundTrips };
    const floor = await floors.get(full);
    return [fractionOf(target, floor, `floor (${floorName(full).slice('floor: '.length)})`)];
  };
  const againstFixedBody = (target: Target, gateway: Started, connections: number) =>
    againstFloor(
      { ...target, roundTrips: 0 },
      { connections, processes: gateway.processes, bodyBytes: dashboardBytes },
    );
  let kdf: KdfFigures | undefined;
  const kdfOnce = async () => {
    if (!kdf) {
      kdf = await measureKdf(20);
      console.log(`  ${kdfLine(kdf)}`);
    }
    return kdf;
  };
  let bulkCeiling: BulkCeiling | undefined;
  const bulkCeilingOnce = async () => {
    if (!bulkCeiling) {
      const ids = await harnessSql<{ userId: number; categoryId: number }[]>`
        select user_id::int as "userId", id::int as "categoryId" from categories
        where id = ${decodeId(bulkCategory, 'Category') as number}`;
      bulkCeiling = await measureBulkCeiling({
        databaseUrl: database.url,
        ...(ids[0] as { userId: number; categoryId: number }),
        rows: 1000,
        connections: 4,
        seconds: quick ? 3 : 10,
      });
      console.log(`  ${bulkCeilingLine(bulkCeiling)}`);
    }
    return bulkCeiling;
  };

  // ---------------------------------------------------------------------------------------------
  // Ledgerline against the peer, one process each, on the shared scenarios.
  const headToHead: HeadToHead | undefined = await sharedStage({
    databaseUrl: database.url,
    usePeer: options.peer,
    only,
    userToken: user1,
    adminToken: admin,
    from: monthAgo,
    to: today,
    deep: { token: bulkUser, ledgerlineCursor: deepCursor, position: DEEP_POSITION },
    rounds: HEAD_TO_HEAD.rounds,
    connections: HEAD_TO_HEAD.connections,
    seconds,
    warmUpSeconds,
    notes,
    log: (line) => console.log(line),
  });
  for (const row of headToHead?.rows ?? []) {
    const rowVerdicts = headToHeadVerdicts(row, headToHead?.peer ?? null);
    const key = sharedKey(row.scenario);
    if (!headToHead?.peer && key) {
      // No peer: the floor with the same round trips, at the same connections, one process.
      const [threshold] = await againstFloor(TARGETS.floor[key], {
        connections: HEAD_TO_HEAD.connections,
        processes: 1,
      })();
      const first = row.rounds[0];
      if (threshold && first) {
        const { passed, actual } = threshold.check({
          ...first,
          reqPerSec: row.ledgerline.reqPerSec,
          requests: row.ledgerline.emptyRounds > 0 ? 0 : row.ledgerline.requests,
        });
        rowVerdicts.unshift({ scenario: row.scenario, threshold: threshold.label, actual, passed });
      }
    }
    verdicts.push(...rowVerdicts);
    const flag = rowVerdicts.every((v) => v.passed) ? 'ok' : 'MISSED';
    const figures = row.ratios
      ? `Ledgerline ÷ ${headToHead?.peer}: throughput ${row.ratios.throughput ?? '-'}×, CPU/request ${row.ratios.cpu ?? '-'}×, peak RSS ${row.ratios.rss ?? '-'}×`
      : `${row.ledgerline.reqPerSec} req/s, ${row.ledgerline.cpuMsPerRequest ?? '-'} CPU ms/req`;
    console.log(`  ${flag.padEnd(6)} ${row.scenario}: ${figures}`);
  }

  // ---------------------------------------------------------------------------------------------
  // The other scenarios, on the clustered gateways.
  const at = (connections: number, n = seconds): Stage[] => [{ connections, seconds: n }];
  const signUpSpec: RequestSpec = {
    next: () => ({
      body: gql(SIGN_UP, {
        input: {
          email: `load-signup-${stamp}-${++signUps}@example.com`,
          name: 'Signup',
          password: 'password123',
        },
      }),
    }),
  };

  const scenarios: Scenario[] = [
    // The seed guide's promises.
    {
      name: 'sign-ups',
      group: 'seed guide',
      gateway: cacheOff,
      spec: signUpSpec,
      stages: at(50),
      thresholds: [noErrors, sqlAtMost(TARGETS.sqlMax.signUps)],
      judgedBy: async () => [kdfThroughput(await kdfOnce())],
    },
    {
      name: 'sign-up, one connection',
      group: 'seed guide',
      gateway: cacheOff,
      spec: signUpSpec,
      stages: at(1),
      thresholds: [noErrors, sqlAtMost(TARGETS.sqlMax.signUps)],
      judgedBy: async () => [kdfLatency(await kdfOnce())],
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
      thresholds: [noErrors, sqlAtMost(TARGETS.sqlMax.createExpense)],
      judgedBy: againstFloor(TARGETS.floor.createExpense, {
        connections: 30,
        processes: cacheOff.processes,
      }),
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
      thresholds: [noErrors, sqlAtMost(TARGETS.sqlMax.pages)],
      judgedBy: againstFloor(TARGETS.floor.pages, {
        connections: 40,
        processes: cacheOff.processes,
      }),
    },
    {
      name: 'category lookup',
      group: 'seed guide',
      gateway: cacheOff,
      spec: { headers: bearer(user1), body: gql(CATEGORIES) },
      stages: at(4),
      thresholds: [noErrors, sqlAtMost(TARGETS.sqlMax.categoryLookup)],
      judgedBy: againstFloor(TARGETS.floor.categoryLookup, {
        connections: 4,
        processes: cacheOff.processes,
      }),
    },
    {
      name: 'mixed 60% create / 40% read',
      group: 'seed guide',
      gateway: cacheOn,
      spec: { headers: bearer(reader), next: mixedBody(readerCategory) },
      stages: at(30),
      thresholds: [noErrors, sqlAtMost(TARGETS.sqlMax.mixed)],
      judgedBy: againstFloor(TARGETS.floor.mixed, {
        connections: 30,
        processes: cacheOn.processes,
      }),
      writes: true,
    },
    {
      name: 'cached dashboard',
      group: 'seed guide',
      gateway: cacheOn,
      spec: { headers: bearer(user1), body: gql(DASHBOARD) },
      stages: at(16),
      thresholds: [hitRatioAtLeast(), noErrors, sqlAtMost(TARGETS.sqlMax.cachedDashboard)],
      judgedBy: againstFixedBody(TARGETS.fixedBody.cachedDashboard, cacheOn, 16),
    },
    {
      name: 'stress: 100 connections',
      group: 'seed guide',
      gateway: cacheOn,
      spec: { next: () => ({ body: gql(DASHBOARD), headers: bearer(pick(seededTokens)) }) },
      stages: at(100),
      thresholds: [noErrors, sqlAtMost(TARGETS.sqlMax.stress)],
      judgedBy: againstFixedBody(TARGETS.fixedBody.stress, cacheOn, 100),
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
      thresholds: [noErrors, sqlAtMost(TARGETS.sqlMax.rampUp)],
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
      thresholds: [noErrors, hitRatioAtLeast(), sqlAtMost(TARGETS.sqlMax.sustained)],
      writes: true,
    },
    // GraphQL-specific (the dashboard, the admin fan-out, the summary and the deep page are
    // shared scenarios, measured against the peer above).
    {
      name: 'bulk createExpenses (1,000 rows)',
      group: 'graphql',
      gateway: cacheOff,
      spec: { headers: bearer(bulkUser), body: bulkBody },
      stages: at(4),
      thresholds: [rowsPerSecAtLeast(), noErrors, sqlAtMost(TARGETS.sqlMax.bulk)],
      judgedBy: async () => [bulkCeilingShare(await bulkCeilingOnce())],
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
      thresholds: [noErrors, sqlAtMost(TARGETS.sqlMax.nestedLoaders)],
      judgedBy: againstFloor(TARGETS.floor.nestedLoaders, {
        connections: 16,
        processes: cacheOff.processes,
      }),
    },
    {
      name: 'nested, LOADERS=off (uncached)',
      group: 'modes',
      gateway: naive,
      spec: { headers: bearer(user1), body: gql(NESTED) },
      stages: at(16),
      thresholds: [noErrors, sqlAtMost(TARGETS.sqlMax.nestedNaive)],
    },
    {
      name: 'nested (cached)',
      group: 'modes',
      gateway: cacheOn,
      spec: { headers: bearer(user1), body: gql(NESTED) },
      stages: at(16),
      thresholds: [noErrors, sqlAtMost(TARGETS.sqlMax.nestedCached)],
    },
  ];

  const record = (scenario: Scenario, m: Measurement, thresholds: readonly Threshold[]) => {
    const withExtra = scenario.extra ? { ...m, extra: scenario.extra(m) } : m;
    measurements.push(withExtra);
    const results = thresholds.map((threshold) => ({ threshold, ...threshold.check(withExtra) }));
    for (const { threshold, passed, actual } of results) {
      verdicts.push({ scenario: scenario.name, threshold: threshold.label, actual, passed });
    }
    const flag = results.every((r) => r.passed) ? 'ok' : 'MISSED';
    console.log(
      `  ${flag.padEnd(6)} ${scenario.name}: ${withExtra.reqPerSec} req/s, p50 ${withExtra.p50} ms, p95 ${withExtra.p95} ms, ${withExtra.errorCount} errors, ${sqlOf(withExtra)} SQL/req, ${withExtra.cpuMsPerRequest ?? '-'} CPU ms/req`,
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

  /**
   * Probes the scenario's request once, measures what it is judged against (a floor, the KDF),
   * then warms up, measures it and records the verdicts.
   */
  const run = async (scenario: Scenario, progress: string) => {
    console.log(`Running ${scenario.name}… ${progress}`);
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
    const thresholds = [...((await scenario.judgedBy?.()) ?? []), ...scenario.thresholds];
    const { gateway, name, group, spec, stages } = scenario;
    await warmUp(gateway.base, spec, stages[0]?.connections ?? 1, warmUpSeconds);
    // (Only the rows: a whole rollup and VACUUM right before measuring left the machine busy
    // writing out what they dirtied.)
    if (scenario.writes) await removeLoadWrites(harnessSql);
    const m = await measure(gateway.base, name, group, spec, stages, { pids: gateway.pids() });
    record(scenario, m, thresholds);
    if (scenario.writes) await steadyState();
  };

  // Progress: which scenario of how many, and the time left at the pace so far.
  const chosen = scenarios.filter((scenario) => !only || scenario.name.includes(only));
  const scenariosStarted = performance.now();
  for (const [i, scenario] of chosen.entries()) {
    const elapsed = (performance.now() - scenariosStarted) / 1000;
    const left = i === 0 ? '' : `, about ${Math.round((elapsed / i) * (chosen.length - i))} s left`;
    await run(scenario, `(${i + 1} of ${chosen.length}${left})`);
  }

  // The machine's floor for reference (and for comparing machines): HTTP and 0, 1, 4 SQL round
  // trips, 16 connections, one process, no GraphQL at all.
  if (!only) {
    for (const roundTrips of [0, 1, 4]) {
      await floors.get({ roundTrips, connections: 16, processes: 1 });
    }
  }

  // Rate limits: the one gateway with them on (not with --only).
  if (!only) {
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

  if (!quick && !only && options.jobs > 0) {
    // The create-expense scenario queued a suggestion job per expense; measured from an empty
    // queue, not behind that backlog.
    await dropQueuedJobs(harnessSql);
    const worker = await start({ CACHE_ENABLED: 'false', WORKER_ENABLED: 'true' });
    console.log(`Running suggest_category: ${options.jobs} uncategorized expenses in one burst…`);
    const jobs = await suggestCategoryScenario(worker.base, options.jobs);
    notes.push(
      `suggest_category: ${jobs.jobs} jobs at ${jobs.jobsPerSecond} jobs/s; enqueue to done p50 ${jobs.p50} ms, p99 ${jobs.p99} ms (queueing behind the burst included)`,
    );
    console.log(`  ${notes.at(-1)}`);
    await worker.stop();
  }

  let scaling: ScalingRow[] = [];
  if (!quick && !only && options.scaling.length > 0) {
    console.log(`Scaling check on ${options.scaling.join(', ')} expenses…`);
    const check = await scalingCheck(database.url, options.scaling, Math.min(seconds, 5));
    scaling = check.rows;
    for (const verdict of check.verdicts) verdicts.push(verdict);
  }

  // The database as the run found it: the seed, the admin, nothing this run's scenarios made
  // (autovacuum, or the next run's start, vacuums).
  await removeLoadAccounts(harnessSql);

  const find = (name: string) => measurements.find((m) => m.scenario === name);
  const comparisons: { label: string; on: number; off: number; unit: string }[] = [];
  const compare = (label: string, on: string, off: string) => {
    const a = find(on);
    const b = find(off);
    if (a && b) comparisons.push({ label, on: a.reqPerSec, off: b.reqPerSec, unit: 'req/s' });
  };
  compare(
    'cached dashboard vs the fixed-body floor',
    'cached dashboard',
    floorName({
      roundTrips: 0,
      connections: 16,
      processes: cacheOn.processes,
      bodyBytes: dashboardBytes,
    }),
  );
  compare('nested: cache on vs off', 'nested (cached)', 'nested, DataLoaders on (uncached)');
  compare(
    'nested: DataLoaders on vs LOADERS=off',
    'nested, DataLoaders on (uncached)',
    'nested, LOADERS=off (uncached)',
  );
  const loadersOn = find('nested, DataLoaders on (uncached)');
  const loadersOff = find('nested, LOADERS=off (uncached)');
  if (loadersOn && loadersOff) {
    comparisons.push({
      label: 'nested: SQL/request, DataLoaders on vs off',
      on: sqlOf(loadersOn),
      off: sqlOf(loadersOff),
      unit: 'statements',
    });
  }
  if (measurements.some((m) => m.scenario.startsWith('floor: fixed'))) {
    notes.push(
      `The cached dashboard and the stress scenario are compared with a fixed-body floor of the same shape: ${cacheOn.processes} process${cacheOn.processes === 1 ? '' : 'es'} (as many as the cache-on gateway runs), answering a fixed ${dashboardBytes.toLocaleString('en-US')}-byte body (the size of user1's dashboard answer).`,
    );
  }

  const result: RunResult = {
    startedAt: new Date().toISOString(),
    quick,
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load generator, gateways (WEB_CONCURRENCY=${processes}; cache-on: ${config.redisUrl ? `${processes}, with Redis` : '1, no Redis'}; beside the peer: 1) and Postgres share it`,
    sqlSource,
    measurements,
    comparisons,
    scaling,
    verdicts,
    notes,
    ...(headToHead ? { headToHead } : {}),
    ...(kdf ? { kdf } : {}),
    ...(bulkCeiling ? { bulkCeiling } : {}),
    targets: TARGETS,
  };
  mkdirSync(options.out, { recursive: true });
  const file = path.join(options.out, `${result.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(options.out, 'report.html'), renderHtml(result));

  console.log(`\nLedgerline load (${quick ? 'quick' : 'full'} run)`);
  if (measurements.length > 0) {
    console.table(
      measurements.map((m) => ({
        scenario: m.scenario,
        conns: m.connections,
        'req/s': m.reqPerSec,
        p50: m.p50,
        p95: m.p95,
        p99: m.p99,
        errors: m.errorCount,
        'SQL/req': sqlOf(m),
        'hit ratio': m.hitRatio ?? '-',
        'CPU ms/req': m.cpuMsPerRequest ?? '-',
        'RSS MB': m.peakRssMb,
      })),
    );
  }
  if (headToHead) console.log(`\n${formatHeadToHead(headToHead)}`);
  if (kdf) console.log(`\n${kdfLine(kdf)}`);
  if (bulkCeiling) console.log(bulkCeilingLine(bulkCeiling));
  console.log('');
  for (const c of comparisons) console.log(`${c.label}: ${c.on} vs ${c.off} ${c.unit}`);
  for (const row of scaling) {
    console.log(
      `scaling ${row.expenses} expenses, ${row.query}: p50 ${row.p50} ms, p95 ${row.p95} ms`,
    );
  }
  console.log('\nThresholds:');
  for (const v of verdicts) {
    console.log(
      `  ${(v.passed ? 'met' : 'MISSED').padEnd(6)} ${v.scenario}: ${v.threshold} (${v.actual})`,
    );
  }
  for (const note of notes) console.log(`Note: ${note}`);
  console.log(`\nResults: ${file}\nReport:  ${path.join(options.out, 'report.html')}`);
  const missed = verdicts.filter((v) => !v.passed);
  if (missed.length) {
    console.error(`\n${missed.length} of ${verdicts.length} thresholds missed:`);
    for (const v of missed) console.error(`  ${v.scenario}: ${v.threshold} (got ${v.actual})`);
    process.exitCode = 1;
  } else if (verdicts.length === 0) {
    console.error('\nNo thresholds were judged (nothing ran).');
    process.exitCode = 1;
  } else {
    console.log(`\nAll ${verdicts.length} thresholds met.`);
  }
} finally {
  for (const gateway of gateways) await gateway.stop().catch(() => {});
  killGateways();
  killPeers();
  await harnessSql.end();
  await database.stop();
}
