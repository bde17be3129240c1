/**
 * The job worker: graphile-worker running our task list and crontab, plus heartbeats and a
 * sweeper. graphile-worker only frees the jobs of a crashed worker after a 4-hour lock expiry;
 * here every worker records a heartbeat, and any worker unlocks the jobs of workers whose
 * heartbeat is older than WORKER_STALE_AFTER_MS (graphile-worker's forceUnlockWorkers).
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import {
  Logger,
  makeWorkerUtils,
  parseCrontab,
  type Runner,
  run,
  type TaskList,
  type WorkerEvents,
  type WorkerUtils,
} from 'graphile-worker';
import pg from 'pg';
import type { JobRuntime } from './runtime.js';
import { taskDefinitions } from './task-list.js';

export interface Worker {
  readonly runner: Runner;
  readonly utils: WorkerUtils;
  /** Stops taking jobs and waits (up to the shutdown timeout) for running ones. */
  stop(): Promise<void>;
}

const crontabFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../crontab');

export function createTaskList(runtime: JobRuntime): TaskList {
  return Object.fromEntries(
    taskDefinitions.map((definition) => [definition.identifier, definition.make(runtime)]),
  );
}

export async function startWorker(runtime: JobRuntime, databaseUrl: string): Promise<Worker> {
  const { config, log } = runtime;
  const logger = new Logger((scope) => (level, message, meta) => {
    const method = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
    log[method]({ ...scope, ...meta }, message);
  });
  // One pg pool of ours for graphile-worker and its utils, with an error listener: a Postgres
  // restart must not crash the process through an idle client's unhandled 'error'.
  const pgPool = new pg.Pool({ connectionString: databaseUrl, max: config.worker.concurrency + 4 });
  const lost = (error: Error) =>
    log.warn({ err: error.message }, 'worker database connection lost');
  pgPool.on('error', lost);
  pgPool.on('connect', (client) => client.on('error', lost));
  const utils = await makeWorkerUtils({ pgPool, logger });
  // Jobs are locked by their pool's id (and workers have ids too): heartbeat them all. The
  // listeners go on before run() so that the pool's creation is seen.
  const lockerIds = new Set<string>();
  const events: WorkerEvents = new EventEmitter();
  events.on('pool:create', ({ workerPool }) => lockerIds.add(workerPool.id));
  events.on('pool:release', ({ workerPool }) => lockerIds.delete(workerPool.id));
  events.on('worker:create', ({ worker }) => lockerIds.add(worker.workerId));
  events.on('worker:release', ({ worker }) => lockerIds.delete(worker.workerId));
  const runner = await run({
    events,
    pgPool,
    concurrency: config.worker.concurrency,
    pollInterval: config.worker.pollIntervalMs,
    noHandleSignals: true,
    logger,
    taskList: createTaskList(runtime),
    parsedCronItems: parseCrontab(readFileSync(crontabFile, 'utf8')),
  });

  async function heartbeat() {
    if (lockerIds.size === 0) return;
    await runtime.db.execute(sql`
      insert into worker_heartbeats (worker_id, last_seen)
      select id, now() from unnest(${`{${[...lockerIds].join(',')}}`}::text[]) as id
      on conflict (worker_id) do update set last_seen = now()`);
  }

  async function sweep() {
    const stale = await runtime.db.execute<{ worker_id: string }>(sql`
      delete from worker_heartbeats
      where last_seen < now() - make_interval(secs => ${config.worker.staleAfterMs / 1000})
      returning worker_id`);
    const ids = stale.map((row) => row.worker_id).filter((id) => !lockerIds.has(id));
    if (ids.length > 0) {
      await utils.forceUnlockWorkers(ids);
      log.warn({ workers: ids }, 'unlocked the jobs of workers with a stale heartbeat');
    }
  }

  const tick = async () => {
    try {
      await heartbeat();
      await sweep();
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'worker heartbeat failed');
    }
  };
  await tick();
  const timer = setInterval(tick, config.worker.heartbeatMs);
  timer.unref();

  let stopping: Promise<void> | undefined;
  return {
    runner,
    utils,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        const stopped = runner.stop();
        // Jobs still running after the bound are abandoned; the sweeper frees them elsewhere.
        const bound = new Promise<void>((resolve) =>
          setTimeout(resolve, config.worker.shutdownTimeoutMs).unref(),
        );
        await Promise.race([stopped.catch(() => {}), bound]);
        await runtime.db
          .execute(
            sql`delete from worker_heartbeats where worker_id = any(${`{${[...lockerIds].join(',')}}`}::text[])`,
          )
          .catch(() => {});
        await utils.release();
        await pgPool.end().catch(() => {});
      })();
      return stopping;
    },
  };
}
