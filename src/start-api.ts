/**
 * Start-up of one API process, one step after another: the database (an embedded one when
 * DATABASE_URL is unset) with its migrations, the JWT secret, the infrastructure, demo data on a
 * new embedded database, the app, then what runs in the background: the outbox relay and, when
 * WORKER_ENABLED, the job worker. serve.ts listens on what this returns; tests serve it on ports
 * of their own. Stopping undoes the steps in reverse.
 */
import { type App, createApp } from './app.js';
import { resolveJwtSecret } from './auth/secret.js';
import type { Cache } from './cache/create-cache.js';
import { type Config, ConfigError } from './config.js';
import type { Pool } from './db/client.js';
import { openDatabase } from './db/open.js';
import { seedDemoIfEmpty } from './db/seed.js';
import { loadManifest } from './graphql/persisted-operations.js';
import { graphiqlAssetDir } from './http/graphiql.js';
import { type Infrastructure, openInfrastructure } from './infrastructure.js';
import { createJobRuntime } from './jobs/runtime.js';
import { startWorker, type Worker } from './jobs/worker.js';
import { createLogger, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface RunningApi extends App {
  readonly infra: Infrastructure;
  readonly pool: Pool;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** The response and entity cache; undefined when CACHE_ENABLED=false. */
  readonly cache: Cache | undefined;
  /** The in-process job worker; undefined when WORKER_ENABLED=false. */
  readonly worker: Worker | undefined;
  /**
   * Stops the worker (running jobs finish), then the relay, the pool, Redis and an embedded
   * Postgres, in that order. Safe to call twice.
   */
  stop(): Promise<void>;
}

let instances = 0;

export async function startApi(
  config: Config,
  log: Logger = createLogger(config),
): Promise<RunningApi> {
  // Read first: a missing or corrupt manifest stops the start before anything is opened.
  const allowList = config.persisted.only ? loadManifest(config.persisted.manifestPath) : undefined;
  const graphiqlAssets = config.graphiql ? graphiqlAssetDir() : undefined;
  if (config.graphiql && !graphiqlAssets) {
    throw new ConfigError(
      'GRAPHIQL=true needs @graphql-yoga/graphiql, a development dependency (npm install without --omit=dev)',
    );
  }
  const database = await openDatabase(config, log);
  let infra: Infrastructure | undefined;
  try {
    const jwtSecret = await resolveJwtSecret(config.jwtSecret, config.dataDir);
    infra = await openInfrastructure(config, log, {
      databaseUrl: database.url,
      // Tells this process's connections apart in pg_stat_activity.
      applicationName: `ledgerline-${process.pid}-${++instances}`,
    });
    if (database.embedded) await seedDemoIfEmpty(infra.pool, log);
    const app = createApp(infra, { jwtSecret, allowList, graphiqlAssets });
    infra.outbox.start();
    infra.replicas?.set.start();
    const worker = config.worker.enabled
      ? await startWorker(createJobRuntime(infra), config.databaseDirectUrl ?? database.url)
      : undefined;

    const opened = infra;
    let stopped: Promise<void> | undefined;
    const stop = () => {
      app.beginShutdown();
      stopped ??= (async () => {
        await worker?.stop();
        await opened.close();
        await database.stop();
      })();
      return stopped;
    };
    return {
      ...app,
      infra,
      pool: infra.pool,
      metrics: infra.metrics,
      log,
      cache: infra.cache,
      worker,
      stop,
    };
  } catch (error) {
    await infra?.close();
    await database.stop();
    throw error;
  }
}
