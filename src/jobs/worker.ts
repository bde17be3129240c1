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
import {
  forgetHeartbeats,
  recordHeartbeats,
  takeStaleLockers,
} from '../db/queries/worker-heartbeats.js';
import { warmUpChatParser } from '../domain/chat/parser.js';
import type { JobRuntime } from './runtime.js';
import { taskDefinitions } from './task-list.js';

export interface Worker {
  readonly utils: WorkerUtils;
  /** Runners started so far: 1, plus one per restart after a fatal runner error. */
  readonly starts: number;
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
  // Before any job: the first chat message would otherwise pay for compiling the date parser.
  warmUpChatParser();
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
  // Jobs are locked by their pool's id (and workers have ids too): heartbeat them all.
  const lockerIds = new Set<string>();
  const runnerOptions = {
    pgPool,
    concurrency: config.worker.concurrency,
    pollInterval: config.worker.pollIntervalMs,
    noHandleSignals: true,
    logger,
    taskList: createTaskList(runtime),
    parsedCronItems: parseCrontab(readFileSync(crontabFile, 'utf8')),
    // Unbatched, graphile-worker 0.17 records each job's outcome in a promise nobody awaits: a
    // connection lost at that moment (a Postgres restart) is an unhandled rejection, which
    // exits Node. Batched (delay 0: the same tick's outcomes together), a failure reaches the
    // pool, which shuts down, and the runner is started again below.
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  };

  // graphile-worker ends its runner when it loses Postgres while jobs run (ECONNRESET, 57P01,
  // ECONNREFUSED while recording outcomes or fetching jobs), and its promise rejects; a pool
  // whose workers died can also hang in its shutdown while Postgres is away. Nothing may exit
  // the process or stop the jobs for a database outage: a runner that reports a fatal error
  // gets a bounded time to stop, is then killed and, failing that, abandoned, and a new one is
  // started after a pause that grows while Postgres stays away. The jobs an old runner held
  // are freed by the sweeper below once its heartbeat goes stale, as a crashed worker's are.
  let runner: Runner | undefined;
  const lockers = new Map<Runner, Set<string>>();
  let starts = 0;
  let stopping: Promise<void> | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  const RESTART_MIN_MS = 250;
  const RESTART_MAX_MS = 10_000;
  /** How long a runner that reported a fatal error may take to stop, then to die when killed. */
  const STOP_BOUND_MS = 5_000;
  let restartDelay = RESTART_MIN_MS;

  async function startRunner(): Promise<void> {
    // Events of its own per runner: an abandoned runner's late events concern nobody.
    const events: WorkerEvents = new EventEmitter();
    const mine = new Set<string>();
    const add = (id: string) => {
      mine.add(id);
      lockerIds.add(id);
    };
    const remove = (id: string) => {
      mine.delete(id);
      lockerIds.delete(id);
    };
    events.on('pool:create', ({ workerPool }) => add(workerPool.id));
    events.on('pool:release', ({ workerPool }) => remove(workerPool.id));
    events.on('worker:create', ({ worker }) => add(worker.workerId));
    events.on('worker:release', ({ worker }) => remove(worker.workerId));
    let fatal = false;
    let started: Runner | undefined;
    const onFatal = () => {
      if (fatal || stopping) return;
      fatal = true;
      setTimeout(() => {
        if (!started || runner !== started || stopping) return;
        log.warn('job runner did not stop after a fatal error; killing it');
        started.kill().catch(() => {});
        setTimeout(() => {
          if (runner === started) supervise(started, new Error('job runner stuck; abandoned'));
        }, STOP_BOUND_MS);
      }, STOP_BOUND_MS);
    };
    // The timers above are not unref'd: while a runner dies, they may be all that keeps a
    // worker-only process alive.
    events.on('pool:fatalError', onFatal);
    events.on('worker:fatalError', onFatal);
    const instance = await run({ ...runnerOptions, events });
    started = instance;
    runner = instance;
    starts++;
    // Once it is over (stopped, killed or abandoned), its ids get no more heartbeats: whatever
    // it still holds goes stale and is swept.
    lockers.set(instance, mine);
    instance.promise.then(
      () => supervise(instance, undefined),
      (error: unknown) => supervise(instance, error),
    );
  }

  function supervise(ended: Runner | undefined, error: unknown) {
    if (ended !== runner) return;
    runner = undefined;
    if (ended) {
      for (const id of lockers.get(ended) ?? []) lockerIds.delete(id);
      lockers.delete(ended);
    }
    if (stopping) return;
    log.error(
      { err: error instanceof Error ? error.message : String(error), retryInMs: restartDelay },
      'job runner stopped; starting it again',
    );
    // Not unref'd: in a worker-only process this timer is what keeps it alive meanwhile.
    restartTimer = setTimeout(restart, restartDelay);
    restartDelay = Math.min(restartDelay * 2, RESTART_MAX_MS);
  }

  function restart() {
    restartTimer = undefined;
    if (stopping) return;
    startRunner().then(
      () => {
        restartDelay = RESTART_MIN_MS;
        log.info({ starts }, 'job runner started again');
      },
      (error: unknown) => supervise(undefined, error),
    );
  }

  await startRunner();

  async function heartbeat() {
    if (lockerIds.size === 0) return;
    await recordHeartbeats(runtime.db, lockerIds);
  }

  async function sweep() {
    const stale = await takeStaleLockers(runtime.db, config.worker.staleAfterMs);
    const ids = stale.filter((id) => !lockerIds.has(id));
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

  return {
    utils,
    get starts() {
      return starts;
    },
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        clearTimeout(restartTimer);
        const stopped = runner?.stop() ?? Promise.resolve();
        // Jobs still running after the bound are abandoned; the sweeper frees them elsewhere.
        const bound = new Promise<void>((resolve) =>
          setTimeout(resolve, config.worker.shutdownTimeoutMs).unref(),
        );
        await Promise.race([stopped.catch(() => {}), bound]);
        await forgetHeartbeats(runtime.db, lockerIds).catch(() => {});
        await utils.release();
        await pgPool.end().catch(() => {});
      })();
      return stopping;
    },
  };
}
