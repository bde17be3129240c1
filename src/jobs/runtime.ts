/**
 * What tasks run against: a database handle, the cache (keyword lookups, invalidating a user's
 * cached responses after a job changes their data), metrics and config, all from the process's
 * infrastructure (infrastructure.ts). The API process builds one for its in-process worker;
 * `npm run worker` and the graphile-worker CLI's tasks open their own infrastructure for it.
 */
import type { Invalidation } from '../cache/create-cache.js';
import type { EntityCache } from '../cache/entities.js';
import { type Config, loadConfig } from '../config.js';
import { createDb, type Db } from '../db/client.js';
import { poolRunner } from '../db/guarded-sql.js';
import type { OutboxRelay } from '../db/outbox-relay.js';
import type { SqlRunner } from '../db/statement.js';
import { type CountedUnitOfWork, createUnitOfWork } from '../db/unit-of-work.js';
import type { EventBus } from '../events/bus.js';
import { type Infrastructure, openInfrastructure } from '../infrastructure.js';
import { createLogger, type Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

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
  /** Where live subscribers hear committed writes (a job's transitions, its expenses). */
  readonly events: EventBus;
  /** A unit of work for a domain command run by a task. */
  uow(): CountedUnitOfWork;
}

/** Tasks' statements go straight on the pool (no request permits), counted in the metric. */
export function createJobRuntime(infra: Infrastructure): JobRuntime {
  const counted = () => infra.metrics.sqlStatements.inc();
  const db = createDb(infra.pool, { onQuery: counted });
  const { invalidation, outbox, events } = infra;
  return {
    config: infra.config,
    db,
    sql: poolRunner(infra.pool, counted),
    log: infra.log,
    metrics: infra.metrics,
    invalidation,
    entities: infra.cache?.entities,
    outbox,
    events,
    uow: () =>
      createUnitOfWork(db, { invalidation, outbox, events, positions: infra.replicas?.positions }),
  };
}

export interface StandaloneRuntime extends JobRuntime {
  readonly infra: Infrastructure;
  close(): Promise<void>;
}

/**
 * A runtime of its own for a worker process (DATABASE_URL is required there): its
 * infrastructure opened, the outbox relay started.
 */
export async function createStandaloneRuntime(
  config: Config = loadConfig(),
): Promise<StandaloneRuntime> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL must be set to run a worker on its own');
  const infra = await openInfrastructure(config, createLogger(config), {
    databaseUrl: config.databaseUrl,
    applicationName: 'ledgerline-worker',
  });
  infra.outbox.start();
  return { ...createJobRuntime(infra), infra, close: () => infra.close() };
}
let environmentRuntime: Promise<StandaloneRuntime> | undefined;

/** The runtime the graphile-worker CLI's task files use: one per process, from the environment. */
export function environmentJobRuntime(): Promise<StandaloneRuntime> {
  environmentRuntime ??= createStandaloneRuntime();
  return environmentRuntime;
}

/**
 * Closes that runtime, if a task opened one (graphile.config.js, when the CLI's worker stops): its
 * pool and Redis would otherwise keep the process alive after `--once`.
 */
export async function closeEnvironmentJobRuntime(): Promise<void> {
  const opened = environmentRuntime;
  environmentRuntime = undefined;
  await (await opened)?.close();
}
