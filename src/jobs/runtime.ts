/**
 * What tasks run against: a database handle, the cache (keyword lookups, invalidating a user's
 * cached responses after a job changes their data), metrics and config. The API process builds one
 * for its in-process worker; `npm run worker` and the graphile-worker CLI build one from the
 * environment.
 */
import type { RedisClientType } from '@redis/client';
import {
  type Cache,
  createCache,
  createInvalidation,
  type Invalidation,
} from '../cache/create-cache.js';
import type { EntityCache } from '../cache/entities.js';
import { createRedisClient } from '../cache/redis-client.js';
import { type Config, loadConfig } from '../config.js';
import { createDb, createPool, type Db, type Pool } from '../db/client.js';
import { poolRunner } from '../db/guarded-sql.js';
import type { SqlRunner } from '../db/statement.js';
import { type CountedUnitOfWork, createUnitOfWork } from '../db/unit-of-work.js';
import { createLogger, type Logger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { type OutboxRelay, startOutboxRelay } from './outbox.js';

export interface JobRuntime {
  readonly config: Config;
  readonly db: Db;
  /** Statements built once (the loaders' reads), straight on the pool like `db`. */
  readonly sql: SqlRunner;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly invalidation: Invalidation;
  readonly entities: EntityCache | undefined;
  /** This process's job outbox relay: nudge it after a write that queued jobs through it. */
  readonly outbox: Pick<OutboxRelay, 'nudge'>;
  /** A unit of work for a domain command run by a task. */
  uow(): CountedUnitOfWork;
}

export function createJobRuntime(deps: {
  config: Config;
  pool: Pool;
  log: Logger;
  metrics: Metrics;
  cache: Cache | undefined;
  outbox: Pick<OutboxRelay, 'nudge'>;
}): JobRuntime {
  const counted = () => deps.metrics.sqlStatements.inc();
  const db = createDb(deps.pool, { onQuery: counted });
  const invalidation = createInvalidation(deps.cache);
  return {
    config: deps.config,
    db,
    sql: poolRunner(deps.pool, counted),
    log: deps.log,
    metrics: deps.metrics,
    invalidation,
    entities: deps.cache?.entities,
    outbox: deps.outbox,
    uow: () => createUnitOfWork(db, { invalidation, outbox: deps.outbox }),
  };
}

export interface StandaloneRuntime extends JobRuntime {
  readonly pool: Pool;
  readonly cache: Cache | undefined;
  readonly databaseUrl: string;
  close(): Promise<void>;
}

/** A runtime of its own for a worker process (DATABASE_URL is required there). */
export async function createStandaloneRuntime(
  config: Config = loadConfig(),
): Promise<StandaloneRuntime> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL must be set to run a worker on its own');
  const log = createLogger(config);
  const pool = createPool(config.databaseUrl, config.db, 'ledgerline-worker');
  const metrics = createMetrics(() => ({ inUse: 0, waiting: 0, max: config.db.poolMax }));
  let redis: RedisClientType | undefined;
  if (config.redisUrl) {
    redis = createRedisClient(config.redisUrl);
    redis.on('error', () => {});
    await redis
      .connect()
      .catch((error: Error) => log.warn({ err: error.message }, 'redis unavailable'));
  }
  const cache = config.cache.enabled
    ? await createCache(config.cache, { pool, redis, metrics: metrics.cache, log })
    : undefined;
  const outbox = startOutboxRelay(pool, config.worker.pollIntervalMs, log);
  return {
    ...createJobRuntime({ config, pool, log, metrics, cache, outbox }),
    pool,
    cache,
    databaseUrl: config.databaseUrl,
    async close() {
      await outbox.stop();
      await cache?.versions.stop();
      if (redis?.isOpen) await redis.close().catch(() => redis?.destroy());
      await pool.end({ timeout: 5 });
    },
  };
}

let environmentRuntime: Promise<StandaloneRuntime> | undefined;

/** The runtime the graphile-worker CLI's task files use: one per process, from the environment. */
export function environmentJobRuntime(): Promise<StandaloneRuntime> {
  environmentRuntime ??= createStandaloneRuntime();
  return environmentRuntime;
}
