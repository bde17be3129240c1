/**
 * One measured run: autocannon against a gateway for a number of seconds (or stages of
 * connections, for ramp-up), with latencies, per-second throughput, errors by kind, SQL
 * statements and cache lookups per request (the gateway's own counters), the gateway's
 * event-loop delay sampled every second from its /metrics, and, given the server's process ids,
 * its CPU time per request and peak RSS from /proc (every process of the server summed).
 */
import autocannon from 'autocannon';
import { type Counters, counters } from './gateway.js';
import { cpuSeconds, type RootPids, sampleRss } from './process-stats.js';

export interface RequestSpec {
  readonly path?: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** A fresh body and/or headers per request (unique emails, mixed operations, many users). */
  readonly next?: () => { body?: string; headers?: Record<string, string> };
  /** The status that means success. @default 200 */
  readonly okStatus?: number;
}

export interface Stage {
  readonly connections: number;
  readonly seconds: number;
}

export interface Measurement {
  readonly scenario: string;
  readonly group: string;
  readonly connections: string;
  readonly seconds: number;
  readonly requests: number;
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  /** e.g. { "http 500": 3, "graphql BAD_USER_INPUT": 1, "timeout": 2 } */
  readonly errors: Record<string, number>;
  readonly errorCount: number;
  readonly sqlPerRequest: number;
  /**
   * Statements the requests' own GraphQL operations sent, per request the server answered (a
   * cache hit sends none); null for a server without that histogram. Background statements
   * (the outbox relay, /metrics' queue gauge) left out.
   */
  readonly operationSqlPerRequest?: number | null;
  /** Response-cache hits / lookups; null when nothing was looked up (cache off). */
  readonly hitRatio: number | null;
  /** Peak RSS: from /proc, summed over the server's processes, when its pids were given. */
  readonly peakRssMb: number;
  /**
   * CPU time (user + system) of the server's processes during the measured stages, per
   * completed request, in ms; null when its pids were not given or nothing completed.
   */
  readonly cpuMsPerRequest?: number | null;
  readonly eventLoopP99Ms: number;
  /** Completed requests in each second, with the connections open then. */
  readonly timeline: {
    readonly second: number;
    readonly reqPerSec: number;
    readonly connections: number;
  }[];
  /** Extra figures a scenario adds (rows/s for bulk inserts). */
  readonly extra?: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

function runStage(
  base: string,
  spec: RequestSpec,
  stage: Stage,
  onLatency: (ms: number) => void,
  onError: (kind: string) => void,
  onTick: (count: number, tick: number) => void,
): Promise<autocannon.Result> {
  const okStatus = spec.okStatus ?? 200;
  const { body, next } = spec;
  const headers = { 'content-type': 'application/json', ...spec.headers };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${base}${spec.path ?? '/graphql'}`,
        connections: stage.connections,
        duration: stage.seconds,
        timeout: 30,
        requests: [
          {
            method: spec.method ?? 'POST',
            headers,
            ...(body === undefined ? {} : { body }),
            ...(next
              ? {
                  setupRequest: (request: { headers?: Record<string, string> }) => {
                    const fresh = next();
                    return {
                      ...request,
                      ...(fresh.body === undefined ? {} : { body: fresh.body }),
                      headers: { ...headers, ...fresh.headers },
                    };
                  },
                }
              : {}),
            onResponse: (status: number, responseBody: string) => {
              if (status !== okStatus) onError(`http ${status}`);
              else if (responseBody.includes('"errors"')) {
                onError(`graphql ${/"code":"([A-Z_]+)"/.exec(responseBody)?.[1] ?? 'error'}`);
              }
            },
          },
        ],
      } as autocannon.Options,
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => onLatency(responseTime));
    // autocannon emits a tick each second; its types do not list the event.
    let ticks = 0;
    (instance as unknown as NodeJS.EventEmitter).on('tick', (tick: { counter: number }) =>
      onTick(tick.counter, ++ticks),
    );
  });
}

/**
 * The same requests at the same concurrency for `seconds`, nothing recorded: a gateway process
 * compiles its hot paths (V8, compiled GraphQL documents, prepared statements) in its first
 * seconds under load, and a scenario measures the steady state after that.
 */
export async function warmUp(
  base: string,
  spec: RequestSpec,
  connections: number,
  seconds: number,
): Promise<void> {
  await runStage(
    base,
    spec,
    { connections, seconds },
    () => {},
    () => {},
    () => {},
  );
}

export interface MeasureOptions {
  /** The server's process ids: CPU per request and peak RSS from /proc (descendants included). */
  readonly pids?: RootPids;
  /** The server has Ledgerline's /metrics (SQL, cache, event loop). @default true */
  readonly metrics?: boolean;
  /**
   * Scrape /metrics every second during the measurement (peak RSS and event-loop delay);
   * else only before and after, so a comparison with a server that has no /metrics charges
   * neither side for scrapes. @default true
   */
  readonly sampleMetrics?: boolean;
}

const NO_COUNTERS: Counters = {
  sql: 0,
  operationSql: 0,
  operations: 0,
  hits: 0,
  misses: 0,
  rssBytes: 0,
  eventLoopP99Seconds: 0,
};

export async function measure(
  base: string,
  name: string,
  group: string,
  spec: RequestSpec,
  stages: readonly Stage[],
  options: MeasureOptions = {},
): Promise<Measurement> {
  const hasMetrics = options.metrics ?? true;
  const read = () => (hasMetrics ? counters(base) : Promise.resolve(NO_COUNTERS));
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const timeline: { second: number; reqPerSec: number; connections: number }[] = [];
  let peakRss = 0;
  let peakLoop = 0;
  const sample = async () => {
    try {
      const now = await read();
      peakRss = Math.max(peakRss, now.rssBytes);
      peakLoop = Math.max(peakLoop, now.eventLoopP99Seconds);
    } catch {
      // a missed sample is not a failed request
    }
  };
  const before: Counters = await read();
  const sampler =
    hasMetrics && (options.sampleMetrics ?? true) ? setInterval(sample, 1000) : undefined;
  const rss = options.pids === undefined ? undefined : sampleRss(options.pids);
  const cpuBefore = options.pids === undefined ? 0 : cpuSeconds(options.pids);
  let cpuAfter = 0;
  let procPeakRss: number | undefined;
  let total = 0;
  let connectionErrors = 0;
  let timeouts = 0;
  try {
    for (const stage of stages) {
      const result = await runStage(
        base,
        spec,
        stage,
        (ms) => latencies.push(ms),
        (kind) => {
          errors[kind] = (errors[kind] ?? 0) + 1;
        },
        (count, tick) => {
          // autocannon may tick once more as a stage stops, with a partial second: left out.
          if (tick <= stage.seconds) {
            timeline.push({
              second: timeline.length + 1,
              reqPerSec: count,
              connections: stage.connections,
            });
          }
        },
      );
      total += result.requests.total;
      connectionErrors += result.errors;
      timeouts += result.timeouts;
    }
    if (options.pids !== undefined) cpuAfter = cpuSeconds(options.pids);
  } finally {
    clearInterval(sampler);
    procPeakRss = rss?.stop();
  }
  await sample();
  const after = await read();
  if (connectionErrors - timeouts > 0) errors.connection = connectionErrors - timeouts;
  if (timeouts > 0) errors.timeout = timeouts;
  latencies.sort((a, b) => a - b);
  const seconds = stages.reduce((sum, s) => sum + s.seconds, 0);
  const lookups = after.hits - before.hits + (after.misses - before.misses);
  return {
    scenario: name,
    group,
    connections: [...new Set(stages.map((s) => s.connections))].join('→'),
    seconds,
    requests: total,
    reqPerSec: Math.round(total / seconds),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? Number.NaN),
    errors,
    errorCount: Object.values(errors).reduce((sum, n) => sum + n, 0),
    sqlPerRequest: round((after.sql - before.sql) / Math.max(1, total), 2),
    operationSqlPerRequest: hasMetrics
      ? round(
          (after.operationSql - before.operationSql) /
            // Every request the server answered (those still in flight as the load generator
            // stopped included): each executed an operation or was a cache hit.
            Math.max(1, after.operations - before.operations + (after.hits - before.hits)),
          2,
        )
      : null,
    hitRatio: lookups === 0 ? null : round((after.hits - before.hits) / lookups, 3),
    peakRssMb: Math.round((procPeakRss ?? peakRss) / 1024 / 1024),
    cpuMsPerRequest:
      options.pids === undefined || total === 0
        ? null
        : round(((cpuAfter - cpuBefore) * 1000) / total, 3),
    eventLoopP99Ms: round(peakLoop * 1000, 1),
    timeline,
  };
}
