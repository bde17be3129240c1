/**
 * Gateways the load run starts (child processes, so the load generator does not share their
 * event loop) and what it reads from their /metrics.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '../src/free-port.js';

export interface Gateway {
  readonly base: string;
  /** The server's process id (process-stats adds its descendants: cluster workers). */
  pids(): number[];
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

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

let built: Promise<void> | undefined;

/** `npm run build`, once per load run: gateways run the compiled dist/main.js, as `npm start` does. */
export function buildOnce(): Promise<void> {
  built ??= promisify(execFile)(process.execPath, ['scripts/build.mjs']).then(() => {});
  return built;
}

/** A gateway on `databaseUrl`; rate limiting off unless `env` turns it on. */
export async function startGateway(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<Gateway> {
  await buildOnce();
  return startServer(['dist/main.js'], {
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    WORKER_ENABLED: 'false',
    // The scenarios measure throughput; rate limiting would cap it by design.
    RATE_LIMIT_ENABLED: 'false',
    JWT_SECRET: process.env.JWT_SECRET ?? 'load-test-secret-load-test-secret!',
    ...env,
  });
}

export interface FloorOptions {
  /** Sequential `select 1` per request. */
  readonly roundTrips: number;
  /** Server processes (node:cluster), to match the gateway it is compared with. @default 1 */
  readonly processes?: number;
  /** Answer a fixed JSON body of this many bytes (else a small one). */
  readonly bodyBytes?: number;
}

/** load/floor-server.ts: HTTP plus `roundTrips` sequential `select 1`, nothing else. */
export function startFloorServer(databaseUrl: string, options: FloorOptions): Promise<Gateway> {
  return startServer(['--import', 'tsx', 'load/floor-server.ts'], {
    DATABASE_URL: databaseUrl,
    ROUND_TRIPS: String(options.roundTrips),
    PROCESSES: String(options.processes ?? 1),
    ...(options.bodyBytes ? { BODY_BYTES: String(options.bodyBytes) } : {}),
  });
}

/** `node <args>` as a child process on a free port, once /ready answers. */
async function startServer(args: string[], env: Record<string, string>): Promise<Gateway> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // LOAD_CPU_PROFILE=<dir>: each gateway process writes a V8 CPU profile there as it stops
  // (node --cpu-prof; NODE_OPTIONS may not carry it).
  const profile =
    process.env.LOAD_CPU_PROFILE && args[0] === 'dist/main.js'
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LOAD_CPU_PROFILE}`]
      : [];
  const child = spawn(process.execPath, [...profile, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PORT: String(port), ...env },
  });
  children.add(child);
  await waitReady(base, child);
  return {
    base,
    pids: () => (child.pid === undefined ? [] : [child.pid]),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      children.delete(child);
    },
  };
}

/** Kills whatever is still running (on errors and at exit). */
export function killGateways(): void {
  for (const child of children) child.kill('SIGKILL');
}

export interface Counters {
  readonly sql: number;
  /**
   * Statements the executed GraphQL operations sent (the per-operation histogram's sum over
   * every operation): background statements (the outbox relay, /metrics' queue gauge) left out.
   */
  readonly operationSql: number;
  /** GraphQL operations executed (the same histogram's count; a cache hit executes none). */
  readonly operations: number;
  readonly hits: number;
  readonly misses: number;
  readonly rssBytes: number;
  readonly eventLoopP99Seconds: number;
}

/** SQL statements, response-cache lookups, RSS and event-loop delay from /metrics. */
export async function counters(base: string): Promise<Counters> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  const l1Hits = value(/^cache_hits_total\{level="l1",kind="response"\} (\d+)/m);
  const l2Hits = value(/^cache_hits_total\{level="l2",kind="response"\} (\d+)/m);
  /** A metric summed over all its label sets. */
  const sumOf = (metric: string) => {
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${metric}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  };
  return {
    sql: value(/^sql_statements_total (\d+)/m),
    operationSql: sumOf('graphql_sql_statements_per_request_sum'),
    operations: sumOf('graphql_sql_statements_per_request_count'),
    // A response found in L1 or L2 is a hit; an L1 miss that L2 did not answer is a real miss
    // (without Redis there is no L2, and every L1 miss is one).
    hits: l1Hits + l2Hits,
    misses: Math.max(0, value(/^cache_misses_total\{level="l1",kind="response"\} (\d+)/m) - l2Hits),
    rssBytes: value(/^process_resident_memory_bytes (\d+)/m),
    eventLoopP99Seconds: value(/^nodejs_eventloop_lag_p99_seconds ([\d.e+-]+)/m),
  };
}
