/**
 * Every threshold the load run judges, declared here and only here, each with its reason. They
 * are ratios to figures measured in the same run, on the same machine and database: the
 * PostGraphile peer (one process each, cache off), the machine floor (a bare node:http server
 * with the same number of SQL round trips, connections and processes, load/floor-server.ts) and
 * the password KDF's own ceiling. A machine cannot make them easier by being slow, and a peer
 * cannot make them easier by being faster. Raise them when the code allows; never lower one to
 * pass.
 *
 * Absolute figures left: bulk rows/s (the issue's own figure), the cache hit ratios (whether the
 * cache works, not how fast), the rate limit's bucket arithmetic and 'no errors'.
 */

import type { BulkCeiling } from './bulk-ceiling.js';
import type { HeadToHeadRow } from './head-to-head.js';
import type { KdfFigures } from './kdf.js';
import type { Measurement } from './measure.js';
import type { Verdict } from './report.js';

export interface Target {
  readonly value: number;
  readonly reason: string;
}

export interface FloorTarget extends Target {
  /** Sequential `select 1` per request of the floor it is judged against. */
  readonly roundTrips: number;
}

/** The shared scenarios, by the start of their names (which carry fixture values). */
export type SharedKey = 'expense' | 'dashboard' | 'fanOut' | 'deepPage' | 'summary';

export function sharedKey(name: string): SharedKey | undefined {
  if (name.startsWith('expense by id')) return 'expense';
  if (name === 'dashboard') return 'dashboard';
  if (name.startsWith('admin nested fan-out')) return 'fanOut';
  if (/^page .* rows deep$/.test(name)) return 'deepPage';
  if (name.startsWith('summary')) return 'summary';
  return undefined;
}

export const TARGETS = {
  /** Ledgerline ÷ PostGraphile, one process each, cache off, same run (the issue's targets). */
  peer: {
    throughput: {
      value: 1.0,
      reason: 'a purpose-built gateway serves each shared query at least as fast as a generic one',
    },
    heavyThroughput: {
      value: 1.5,
      reason:
        "the dashboard and the fan-out are the product's hot reads, which its own SQL (one statement; three batched) is built for",
    },
    cpu: {
      value: 1.0,
      reason: 'throughput on a shared machine can hide waste; CPU per request cannot',
    },
    rss: {
      value: 1.0,
      reason: 'one process under the same load holds no more memory than the generic server',
    },
  },
  /** Scenarios judged by the heavy throughput target. */
  heavyScenarios: ['dashboard', 'fanOut'] as readonly SharedKey[],

  /**
   * Ledgerline req/s ÷ the floor with the same round trips, connections and processes. The
   * floor spends about 0.13 ms of the machine's CPU a request (HTTP, a select 1, the load
   * generator); the fractions budget what the real query and the GraphQL layer add to that.
   */
  floor: {
    createExpense: {
      roundTrips: 1,
      value: 0.15,
      reason:
        'an INSERT with six indexes, two foreign keys, a queued job and a commit costs Postgres several select 1s; GraphQL and auth add a few tenths of a ms',
    },
    pages: {
      roundTrips: 1,
      value: 0.3,
      reason:
        'a keyset query of 20 rows: about 0.15 ms of Postgres and 0.25 ms of gateway to resolve and serialize them, some three times the floor',
    },
    categoryLookup: {
      roundTrips: 1,
      value: 0.4,
      reason:
        'at 4 connections latency bounds both: one small indexed query through GraphQL should take at most 2.5 times the floor round trip',
    },
    mixed: {
      roundTrips: 1,
      value: 0.15,
      reason: 'creates (the write budget), and dashboards that their writes keep out of the cache',
    },
    nestedLoaders: {
      roundTrips: 3,
      value: 0.25,
      reason:
        'three batched statements (the floor pays the same round trips) and 250 expenses with their users and categories: four times the floor',
    },
    // The shared scenarios, judged against the floor only when no peer ran (--no-peer).
    expense: {
      roundTrips: 1,
      value: 0.4,
      reason: 'one primary-key lookup with its category: 2.5 times the floor round trip',
    },
    dashboard: {
      roundTrips: 1,
      value: 0.15,
      reason:
        "one statement, but it counts the user's rows: about 0.4 ms of Postgres before 20 rows are resolved",
    },
    fanOut: {
      roundTrips: 3,
      value: 0.025,
      reason:
        '350 index scans (about 6 ms of Postgres) and 2,100 rows to resolve: some 10 ms of the machine a request',
    },
    deepPage: {
      roundTrips: 1,
      value: 0.3,
      reason: 'keyset pagination: 5,000 rows deep has the budget of a page',
    },
    summary: {
      roundTrips: 1,
      value: 0.4,
      reason:
        'one statement over the daily rollup and a handful of rows: 2.5 times the floor round trip',
    },
  } satisfies Record<string, FloorTarget>,

  /** Cached answers ÷ the fixed-body floor (same body size, connections and processes). */
  fixedBody: {
    cachedDashboard: {
      value: 0.6,
      reason:
        'a cache hit is an authenticated lookup and a copy of stored bytes: most of a bare server answering the same bytes',
    },
    stress: {
      value: 0.6,
      reason: 'the same cached answers for 20 users at 100 connections',
    },
  },

  /** Sign-ups, against the KDF's own cost measured in the run (scrypt as the gateway runs it). */
  kdf: {
    throughput: {
      value: 0.8,
      reason:
        'a hash is nearly all of a sign-up: the rest of the request, Postgres and the load generator fit in a fifth of the cores',
    },
    latencyAllowanceMs: {
      value: 5,
      reason:
        'one connection waits for one hash; the rest of the request (five statements, GraphQL, a token) fits in 5 ms',
    },
  },

  /**
   * SQL statements per request, no more than today (load/BASELINE.md's run: the mean over a
   * scenario, where mixes count each operation at its own maximum). Judged on the statements
   * the requests' own operations send (background statements left out).
   */
  sqlMax: {
    signUps: { value: 5, reason: 'the email check, the user, its coverage row, its categories' },
    createExpense: { value: 1, reason: 'one INSERT … RETURNING with its category' },
    pages: { value: 1, reason: 'one keyset query with the categories joined' },
    categoryLookup: { value: 1, reason: 'one query' },
    mixed: { value: 1, reason: 'a create or an uncached dashboard: one each' },
    cachedDashboard: { value: 0, reason: 'every request after the warm-up is a hit' },
    stress: { value: 0, reason: 'every request after the warm-up is a hit' },
    rampUp: { value: 1, reason: 'an uncached dashboard is one statement' },
    sustained: { value: 1, reason: 'a dashboard or a create: one each at most' },
    bulk: { value: 2, reason: 'the category check and one multi-row INSERT' },
    nestedLoaders: { value: 3, reason: 'categories, then their expenses and users in batches' },
    nestedNaive: { value: 15, reason: 'the naive path, kept for the comparison' },
    nestedCached: { value: 0, reason: 'every request after the warm-up is a hit' },
    expense: { value: 1, reason: 'the expense by key with its category, one statement' },
    dashboard: { value: 1, reason: 'one statement: rows, count and categories' },
    fanOut: { value: 3, reason: 'users, their categories, their expenses: one batch each' },
    deepPage: { value: 1, reason: 'one keyset query' },
    summary: { value: 1, reason: 'the totals and the per-category rows with their names' },
  } satisfies Record<string, Target>,

  bulkRowsPerSec: {
    value: 50_000,
    reason: "the issue's figure: 1,000-row createExpenses batches at 4 connections",
  },
  bulkCeiling: {
    value: 0.6,
    reason:
      'the same statement sent straight to Postgres is the ceiling; the gateway reads a 100 KB JSON body and coerces 1,000 inputs on the same cores',
  },
  hitRatio: { value: 0.7, reason: 'a repeated read is served from the cache' },
} as const;

export interface Threshold {
  readonly label: string;
  check(m: Measurement): { passed: boolean; actual: string };
}

const thousands = (n: number) => n.toLocaleString('en-US');

/** A scenario that completed no request proves nothing: every verdict on it fails. */
const EMPTY = { passed: false, actual: '0 requests completed' } as const;

export const noErrors: Threshold = {
  label: 'no errors',
  check: (m) =>
    m.requests === 0
      ? EMPTY
      : {
          passed: m.errorCount === 0,
          actual: m.errorCount === 0 ? '0 errors' : JSON.stringify(m.errors),
        },
};

export const hitRatioAtLeast = (target: Target = TARGETS.hitRatio): Threshold => ({
  label: `cache hit ratio >= ${target.value}`,
  check: (m) =>
    m.requests === 0
      ? EMPTY
      : { passed: (m.hitRatio ?? 0) >= target.value, actual: `hit ratio ${m.hitRatio ?? '-'}` },
});

export const rowsPerSecAtLeast = (target: Target = TARGETS.bulkRowsPerSec): Threshold => ({
  label: `>= ${thousands(target.value)} rows/s`,
  check: (m) => {
    if (m.requests === 0) return EMPTY;
    const actual = m.extra?.rowsPerSec ?? 0;
    return { passed: actual >= target.value, actual: `${thousands(actual)} rows/s` };
  },
});

/** Rows/s ≥ value × the insert statement's own rate on Postgres (load/bulk-ceiling.ts). */
export const bulkCeilingShare = (
  ceiling: BulkCeiling,
  target: Target = TARGETS.bulkCeiling,
): Threshold => ({
  label: `>= ${target.value} × the insert statement alone on Postgres (${thousands(ceiling.rowsPerSec)} rows/s)`,
  check: (m) => {
    if (m.requests === 0) return EMPTY;
    const actual = m.extra?.rowsPerSec ?? 0;
    const share = actual / ceiling.rowsPerSec;
    return {
      passed: share >= target.value,
      actual: `${thousands(actual)} rows/s = ${share.toFixed(3)} × ceiling`,
    };
  },
});

/** The statements a request's own operations sent (else the gateway's whole counter). */
export const sqlOf = (m: Measurement) => m.operationSqlPerRequest ?? m.sqlPerRequest;

export const sqlAtMost = (target: Target): Threshold => ({
  label: `SQL/request <= ${target.value}`,
  check: (m) => {
    if (m.requests === 0) return EMPTY;
    const actual = sqlOf(m);
    return { passed: actual <= target.value, actual: `${actual} per request` };
  },
});

/** req/s ≥ value × the floor's req/s (a floor that erred or answered nothing fails it). */
export const fractionOf = (target: Target, floor: Measurement, what: string): Threshold => ({
  label: `>= ${target.value} × ${what}`,
  check: (m) => {
    if (m.requests === 0) return EMPTY;
    if (floor.requests === 0 || floor.errorCount > 0) {
      return {
        passed: false,
        actual: `the floor failed (${floor.requests} requests, ${floor.errorCount} errors)`,
      };
    }
    const share = m.reqPerSec / floor.reqPerSec;
    return {
      passed: share >= target.value,
      actual: `${thousands(m.reqPerSec)} req/s = ${share.toFixed(3)} × ${thousands(floor.reqPerSec)}`,
    };
  },
});

/** Sign-ups per second ≥ value × the KDF's ceiling (cores ÷ one hash). */
export const kdfThroughput = (
  kdf: KdfFigures,
  target: Target = TARGETS.kdf.throughput,
): Threshold => ({
  label: `>= ${target.value} × the KDF ceiling (${kdf.cores} cores ÷ ${kdf.hashMs} ms a hash = ${kdf.ceilingPerSec}/s)`,
  check: (m) => {
    if (m.requests === 0) return EMPTY;
    const share = m.reqPerSec / kdf.ceilingPerSec;
    return {
      passed: share >= target.value,
      actual: `${m.reqPerSec} sign-ups/s = ${share.toFixed(3)} × ceiling`,
    };
  },
});

/** One connection's p50 ≤ one hash + the allowance. */
export const kdfLatency = (
  kdf: KdfFigures,
  target: Target = TARGETS.kdf.latencyAllowanceMs,
): Threshold => {
  const limit = Math.round((kdf.hashMs + target.value) * 10) / 10;
  return {
    label: `p50 <= one hash + ${target.value} ms (${kdf.hashMs} + ${target.value} = ${limit} ms)`,
    check: (m) =>
      m.requests === 0 ? EMPTY : { passed: m.p50 <= limit, actual: `p50 ${m.p50} ms` },
  };
};

/**
 * The head-to-head verdicts of one shared scenario: with a peer, throughput, CPU and RSS ratios;
 * always no errors (either side) and Ledgerline's SQL statements per request.
 */
export function headToHeadVerdicts(row: HeadToHeadRow, peerName: string | null): Verdict[] {
  const key = sharedKey(row.scenario);
  const verdicts: Verdict[] = [];
  const L = row.ledgerline;
  const P = row.peer;
  const empty = L.emptyRounds > 0 || (P !== null && P.emptyRounds > 0);
  const emptyActual = `a round completed 0 requests (Ledgerline ${L.emptyRounds}${P ? `, ${peerName} ${P.emptyRounds}` : ''} of ${L.rounds})`;
  const push = (threshold: string, passed: boolean, actual: string) =>
    verdicts.push({
      scenario: row.scenario,
      threshold,
      actual: empty ? emptyActual : actual,
      passed: passed && !empty,
    });

  if (P && row.ratios) {
    const heavy = key !== undefined && TARGETS.heavyScenarios.includes(key);
    const min = heavy ? TARGETS.peer.heavyThroughput.value : TARGETS.peer.throughput.value;
    const r = row.ratios;
    push(
      `throughput >= ${min} × ${peerName}`,
      r.throughput !== null && r.throughput >= min,
      `${L.reqPerSec} vs ${P.reqPerSec} req/s = ${r.throughput ?? '-'}×`,
    );
    push(
      `CPU per request <= ${TARGETS.peer.cpu.value} × ${peerName}`,
      r.cpu !== null && r.cpu <= TARGETS.peer.cpu.value,
      `${L.cpuMsPerRequest ?? '-'} vs ${P.cpuMsPerRequest ?? '-'} ms = ${r.cpu ?? '-'}×`,
    );
    push(
      `peak RSS <= ${TARGETS.peer.rss.value} × ${peerName}`,
      r.rss !== null && r.rss <= TARGETS.peer.rss.value,
      `${L.peakRssMb} vs ${P.peakRssMb} MB = ${r.rss ?? '-'}×`,
    );
  }
  const errors = L.errorCount + (P?.errorCount ?? 0);
  push(
    P ? `no errors (Ledgerline or ${peerName})` : 'no errors',
    errors === 0,
    errors === 0
      ? '0 errors'
      : `Ledgerline ${JSON.stringify(L.errors)}${P ? `, ${peerName} ${JSON.stringify(P.errors)}` : ''}`,
  );
  if (key) {
    const max = TARGETS.sqlMax[key].value;
    push(
      `SQL/request <= ${max}`,
      L.sqlPerRequest !== null && L.sqlPerRequest <= max,
      `${L.sqlPerRequest ?? '-'} per request`,
    );
  }
  return verdicts;
}
