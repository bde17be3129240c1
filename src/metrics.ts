const MAX_OPERATION_LABELS = 200;

/** Prometheus metrics for one app instance (its own registry, so tests can run several). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly operations: Counter<'operation' | 'type' | 'outcome'>;
  readonly operationDuration: Histogram<'operation' | 'type'>;
  readonly sqlPerRequest: Histogram<'operation'>;
  readonly sqlStatements: Counter;
  readonly errors: Counter<'operation' | 'code'>;
  /**
   * The operation name as a label: client-chosen, so only the first MAX_OPERATION_LABELS
   * distinct names get series of their own and the rest count as "other".
   */
  operationLabel(name: string): string;
  readonly cache: CacheMetrics;
  readonly jobs: JobMetrics;
  readonly rateLimit: RateLimitMetrics;
  /** Events delivered to this process only, Redis being unreachable. */
  readonly eventsLocalOnly: Counter;
  /** Live subscription streams open on this process, and events delivered to them. */
  readonly subscriptionsOpen: Gauge;
  readonly subscriptionEvents: Counter;
  /** Query operations' reads by where they went (primary or replica), and replicas' state. */
  readonly reads: Counter<'target'>;
  readonly replicaLag: Gauge<'replica'>;
  readonly replicaInRotation: Gauge<'replica'>;
  /** Reads that could have gone to a replica but went to the primary, and why. */
  readonly replicaFallbacks: Counter<'reason'>;
  /** Reads that waited for a replica to replay the viewer's last write, and how it ended. */
  readonly replicaWaits: Counter<'outcome'>;

  readonly httpDuration: Histogram<'route'>;
  readonly sqlDuration: Histogram;
  /** How long statements waited when no pool permit was free; outcome ok or timeout. */
  readonly poolWait: Histogram<'outcome'>;
  /** Requests cut off at REQUEST_TIMEOUT_MS. */
  readonly deadlines: Counter;
}

export interface RateLimitMetrics {
  /** bucket: request, auth, login-failures; outcome: allowed or limited. */
  readonly decisions: Counter<'bucket' | 'outcome'>;
  /** Decisions made by the in-process buckets because Redis was down or slow. */
  readonly fallbacks: Counter;
}

export interface JobMetrics {
  /** outcome: started, succeeded, failed (for good), retried. */
  readonly runs: Counter<'task' | 'outcome'>;
  readonly queueLatency: Histogram<'task'>;
  readonly runTime: Histogram<'task'>;
}

function createJobMetrics(
  registry: Registry,
  queueStats: (() => Promise<{ task: string; queued: number; running: number }[]>) | undefined,
): JobMetrics {
  if (queueStats) {
    new Gauge({
      name: 'jobs_in_queue',
      // Every cluster process reads the same queue: one reading, not their sum.
      aggregator: 'first',
      help: 'graphile-worker jobs by task and state (queued: waiting or scheduled, running: locked)',
      labelNames: ['task', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        try {
          for (const { task, queued, running } of await queueStats()) {
            this.set({ task, state: 'queued' }, queued);
            this.set({ task, state: 'running' }, running);
          }
        } catch {
          // the database being down must not break the scrape
        }
      },
    });
  }
  return {
    runs: new Counter({
      name: 'jobs_total',
      help: 'Job runs by task and outcome (started, succeeded, failed, retried)',
      labelNames: ['task', 'outcome'],
      registers: [registry],
    }),
    queueLatency: new Histogram({
      name: 'job_queue_latency_seconds',
      help: 'From when a job could run to when a worker started it',
      labelNames: ['task'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    runTime: new Histogram({
      name: 'job_run_seconds',
      help: 'How long a job ran',
      labelNames: ['task'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

export interface CacheMetrics {
  readonly hits: Counter<'level' | 'kind'>;
  readonly misses: Counter<'level' | 'kind'>;
  readonly sets: Counter<'level' | 'kind'>;
  readonly evictions: Counter<'level'>;
  readonly errors: Counter<'level' | 'op'>;
  readonly invalidations: Counter<'kind'>;
  /** Identical concurrent misses that waited for one computation instead of running their own. */
  readonly coalesced: Counter;
}

function createCacheMetrics(registry: Registry): CacheMetrics {
  const hits = new Counter({
    name: 'cache_hits_total',
    help: 'Cache hits by level (l1 in-process, l2 Redis) and kind (response, entity)',
    labelNames: ['level', 'kind'],
    registers: [registry],
  });
  const misses = new Counter({
    name: 'cache_misses_total',
    help: 'Cache misses by level and kind',
    labelNames: ['level', 'kind'],
    registers: [registry],
  });
  new Gauge({
    name: 'cache_hit_ratio',
    help: 'hits / (hits + misses) by level since start',
    labelNames: ['level'],
    registers: [registry],
    // Across cluster processes: their mean (a ratio does not add up).
    aggregator: 'average',
    async collect() {
      const sum = async (counter: Counter<'level' | 'kind'>, level: string) =>
        (await counter.get()).values
          .filter((v) => v.labels.level === level)
          .reduce((total, v) => total + v.value, 0);
      for (const level of ['l1', 'l2']) {
        const h = await sum(hits, level);
        const m = await sum(misses, level);
        this.set({ level }, h + m === 0 ? 0 : h / (h + m));
      }
    },
  });
  return {
    hits,
    misses,
    sets: new Counter({
      name: 'cache_sets_total',
      help: 'Cache writes by level and kind',
      labelNames: ['level', 'kind'],
      registers: [registry],
    }),
    evictions: new Counter({
      name: 'cache_evictions_total',
      help: 'Entries dropped: l1 for size or age, l2 by explicit deletes',
      labelNames: ['level'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'cache_errors_total',
      help: 'Cache operations that failed or timed out (each was served as a miss)',
      labelNames: ['level', 'op'],
      registers: [registry],
    }),
    invalidations: new Counter({
      name: 'cache_invalidations_total',
      help: 'Invalidations: version bumps of a scope, entity deletes, remote messages applied',
      labelNames: ['kind'],
      registers: [registry],
    }),
    coalesced: new Counter({
      name: 'cache_coalesced_total',
      help: 'Concurrent identical misses that awaited one computation',
      registers: [registry],
    }),
  };
}

/**
 * `fn`'s answer, asked again only once `ms` have passed since the last ask (concurrent callers
 * share one): what /metrics reads from the database costs the same however often it is scraped.
 */
export function atMostEvery<T>(ms: number, fn: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (!last || now - last.at >= ms) {
      const value = fn();
      last = { at: now, value };
      // A failed read is not remembered: the next scrape tries again.
      value.catch(() => {
        if (last?.value === value) last = undefined;
      });
    }
    return last.value;
  };
}

export function createMetrics(
  poolStats: () => { inUse: number; waiting: number; max: number },
  queueStats?: () => Promise<{ task: string; queued: number; running: number }[]>,
): Metrics {
  const registry = new Registry();
  const operationNames = new Set<string>();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'db_pool_connections',
    help: "This instance's request connections: in use, requests waiting for one, and the pool size",
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { inUse, waiting, max } = poolStats();
      this.set({ state: 'in_use' }, inUse);
      this.set({ state: 'waiting' }, waiting);
      this.set({ state: 'max' }, max);
    },
  });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    operations: new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations by name, type and outcome (ok or error)',
      labelNames: ['operation', 'type', 'outcome'],
      registers: [registry],
    }),
    operationDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'Execution time of GraphQL operations',
      labelNames: ['operation', 'type'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sqlPerRequest: new Histogram({
      name: 'graphql_sql_statements_per_request',
      help: 'SQL statements one GraphQL operation sent',
      labelNames: ['operation'],
      buckets: [0, 1, 2, 3, 4, 5, 8, 13, 21, 50, 100],
      registers: [registry],
    }),
    sqlStatements: new Counter({
      name: 'sql_statements_total',
      help: 'SQL statements sent to Postgres',
      registers: [registry],
    }),
    operationLabel(name: string) {
      if (operationNames.has(name)) return name;
      if (operationNames.size >= MAX_OPERATION_LABELS) return 'other';
      operationNames.add(name);
      return name;
    },
    errors: new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors by operation and code',
      labelNames: ['operation', 'code'],
      registers: [registry],
    }),
    cache: createCacheMetrics(registry),
    jobs: createJobMetrics(registry, queueStats),
    eventsLocalOnly: new Counter({
      name: 'events_local_only_total',
      help: 'Events delivered to this process only, Redis being unreachable',
      registers: [registry],
    }),
    subscriptionsOpen: new Gauge({
      name: 'graphql_subscriptions_open',
      help: 'Live subscription streams open on this process',
      registers: [registry],
    }),
    reads: new Counter({
      name: 'db_reads_total',
      help: "Query operations' reads by target (primary or replica)",
      labelNames: ['target'],
      registers: [registry],
    }),
    replicaLag: new Gauge({
      name: 'db_replica_lag_seconds',
      help: 'How far behind the primary each read replica is (0: it has replayed all)',
      labelNames: ['replica'],
      registers: [registry],
    }),
    replicaInRotation: new Gauge({
      name: 'db_replica_in_rotation',
      help: 'Whether each read replica takes reads (1) or is out: failing or lagging (0)',
      labelNames: ['replica'],
      registers: [registry],
    }),
    replicaFallbacks: new Counter({
      name: 'db_replica_fallbacks_total',
      help: 'Reads sent to the primary although replicas are configured, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    replicaWaits: new Counter({
      name: 'db_replica_waits_total',
      help: "Reads that waited for a replica to replay the viewer's last write, by outcome",
      labelNames: ['outcome'],
      registers: [registry],
    }),
    subscriptionEvents: new Counter({
      name: 'graphql_subscription_events_total',
      help: 'Events delivered to live subscription streams',
      registers: [registry],
    }),
    rateLimit: {
      decisions: new Counter({
        name: 'rate_limit_decisions_total',
        help: 'Rate-limit decisions by bucket (request, auth, login-failures) and outcome',
        labelNames: ['bucket', 'outcome'],
        registers: [registry],
      }),
      fallbacks: new Counter({
        name: 'rate_limit_fallbacks_total',
        help: 'Decisions taken by in-process buckets because Redis was unavailable or slow',
        registers: [registry],
      }),
    },
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer HTTP requests by route (cached GraphQL hits included)',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    sqlDuration: new Histogram({
      name: 'sql_statement_duration_seconds',
      help: 'Duration of SQL statements sent for GraphQL requests',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    poolWait: new Histogram({
      name: 'db_pool_wait_seconds',
      help: 'Waits for a free connection when all were busy, by outcome (ok, timeout)',
      labelNames: ['outcome'],
      buckets: [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    deadlines: new Counter({
      name: 'graphql_deadline_exceeded_total',
      help: 'Operations cut off at REQUEST_TIMEOUT_MS',
      registers: [registry],
    }),
  };
}
