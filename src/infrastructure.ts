/**
 * The long-lived resources a process runs on: the pool with its request permits, Redis, the
 * two-level cache and its invalidation, metrics, and the job outbox relay. The API, `npm run
 * worker` and the graphile-worker CLI's tasks each open one the same way. Opening serves
 * nothing, starts no worker or relay and runs no migration: start-up (serve.ts,
 * jobs/worker-main.ts) composes those as steps of its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClientType } from '@redis/client';
import {
  type Cache,
  createCache,
  createInvalidation,
  type Invalidation,
} from './cache/create-cache.js';
import { cacheNamespace } from './cache/namespace.js';
import { createRedisClient } from './cache/redis-client.js';
import type { Config } from './config.js';
import { createPool, type Pool } from './db/client.js';
import { createPoolPermits, normalizeSql, type PoolPermits } from './db/guarded-sql.js';
import { createOutboxRelay, type OutboxRelay } from './db/outbox-relay.js';
import { queueStats } from './db/queries/job-queue.js';
import { createReplicaSet, type ReplicaSet } from './db/replicas.js';
import { createWritePositions, type WritePositions } from './db/write-positions.js';
import { createEventBus, type EventBus } from './events/bus.js';
import type { Logger } from './logger.js';
import { atMostEvery, createMetrics, type Metrics } from './metrics.js';

export interface Infrastructure {
  readonly config: Config;
  readonly log: Logger;
  readonly databaseUrl: string;
  readonly pool: Pool;
  /** Request permits on the pool: a request waits DB_POOL_WAIT_MS for one, then gets a 503. */
  readonly permits: PoolPermits;
  /** Times every guarded statement and logs the slow ones. */
  readonly onStatement: (text: string, ms: number, requestId?: string) => void;
  readonly redis: RedisClientType | undefined;
  readonly metrics: Metrics;
  /** The response and entity cache; undefined when CACHE_ENABLED=false. */
  readonly cache: Cache | undefined;
  readonly invalidation: Invalidation;
  /** Keys shared by the instances of one deployment (rate-limit buckets, persisted documents). */
  readonly sharedPrefix: string;
  /** Moves queued jobs into graphile-worker; idle until its start(). */
  readonly outbox: OutboxRelay;
  /** Committed writes' events for live subscribers, across instances through Redis. */
  readonly events: EventBus;
  /** Read replicas (DATABASE_REPLICA_URLS) and the write positions reads on them must see. */
  readonly replicas: { readonly set: ReplicaSet; readonly positions: WritePositions } | undefined;
  /** Stops the relay, then closes the pool, the cache's channel and Redis. Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The (migrated) database to use. */
  readonly databaseUrl: string;
  /** Names this process's connections in pg_stat_activity. */
  readonly applicationName: string;
}

/** How long opening waits for Redis: one that is down must not stop a process from starting. */
const REDIS_CONNECT_WAIT_MS = 2000;

export async function openInfrastructure(
  config: Config,
  log: Logger,
  options: OpenOptions,
): Promise<Infrastructure> {
  const pool = createPool(options.databaseUrl, config.db, options.applicationName);
  const redis = config.redisUrl ? createRedisClient(config.redisUrl) : undefined;
  redis?.on('error', (error: Error) => log.warn({ err: error.message }, 'redis error'));
  if (redis) {
    const connecting = redis
      .connect()
      .catch((error: Error) => log.warn({ err: error.message }, 'redis unavailable'));
    await Promise.race([connecting, sleep(REDIS_CONNECT_WAIT_MS, undefined, { ref: false })]);
  }
  // Pool figures come from the request permits (no SQL per scrape); the job queue is counted
  // at most every 10 s, however often /metrics is scraped.
  const metrics = createMetrics(() => permits.stats(), atMostEvery(10_000, queueStats(pool)));
  const permits = createPoolPermits(config.db.poolMax, config.db.poolWaitMs, (ms, ok) =>
    metrics.poolWait.observe({ outcome: ok ? 'ok' : 'timeout' }, ms / 1000),
  );
  const onStatement = (text: string, ms: number, requestId?: string) => {
    metrics.sqlDuration.observe(ms / 1000);
    if (ms > config.slowQueryMs) {
      log.warn({ requestId, sql: normalizeSql(text), ms: Math.round(ms * 10) / 10 }, 'slow sql');
    }
  };
  const cache = config.cache.enabled
    ? await createCache(config.cache, { pool, redis, metrics: metrics.cache, log })
    : undefined;
  const sharedPrefix = cache?.namespace ?? (await cacheNamespace(pool, config.cache.namespace));
  const outbox = createOutboxRelay(pool, config.worker.pollIntervalMs, log);
  const events = createEventBus({
    redis,
    prefix: sharedPrefix,
    log,
    onLocalOnly: () => metrics.eventsLocalOnly.inc(),
    limits: config.subscriptions,
    metrics: { open: metrics.subscriptionsOpen, delivered: metrics.subscriptionEvents },
  });

  const replicas =
    config.databaseReplicaUrls.length > 0
      ? {
          set: createReplicaSet(config.databaseReplicaUrls, config, {
            primary: pool,
            log,
            metrics,
            applicationName: options.applicationName,
          }),
          positions: createWritePositions({
            primary: pool,
            redis,
            prefix: sharedPrefix,
            timeoutMs: config.cache.redisTimeoutMs,
            log,
          }),
        }
      : undefined;

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      await outbox.stop();
      await events.close();
      await replicas?.set.close();
      await pool.end({ timeout: 5 });
      await cache?.versions.stop();
      if (redis?.isOpen) await redis.close().catch(() => redis.destroy());
    })();
    return closed;
  };
  return {
    config,
    log,
    databaseUrl: options.databaseUrl,
    pool,
    permits,
    onStatement,
    redis,
    metrics,
    cache,
    invalidation: createInvalidation(cache),
    sharedPrefix,
    outbox,
    events,
    replicas,
    close,
  };
}
