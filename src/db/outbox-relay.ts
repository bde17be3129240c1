/**
 * The job outbox relay: expense writes queue their jobs (suggestions, rollups) as rows of job_outbox,
 * in the write's own statement or transaction, and a relay in every gateway and worker process
 * moves them into graphile-worker in batches, each batch one transaction (the rows deleted, the
 * jobs added: a job is neither lost nor added twice). Why not graphile_worker.add_jobs in the
 * write: it sends a NOTIFY, and Postgres serializes the commits of all transactions that notified
 * behind one database-wide lock held through each WAL flush; one per write capped expense
 * creation for all users together (Lock/object waits in pg_stat_activity; createExpense of one
 * user at 30 connections, two gateway processes: 890 req/s with it, about 1,850 through the
 * outbox). A batch notifies once. Its statements go through the pool directly: they belong to no
 * request, and the SQL statement metric counts requests' statements.
 *
 * A process nudges its relay after its own writes commit, so jobs reach workers a moment later;
 * the relay also polls (WORKER_POLL_INTERVAL_MS) for rows another process left, e.g. one that
 * stopped between its write and its relay.
 */
import type { Logger } from '../logger.js';
import type { Pool } from './client.js';
import { RELAY_BATCH, relayOutbox } from './queries/job-queue.js';

export interface OutboxRelay {
  /** Relays soon: call it after a write that queued jobs through the outbox has committed. */
  nudge(): void;
  /** Starts relaying: a pass at once, then on nudges and every poll interval. */
  start(): void;
  /** Stops relaying (rows left stay in the outbox for the next relay). */
  stop(): Promise<void>;
}

/**
 * A relay for this process, idle until started; then it runs when nudged (nudges coalesce) and
 * every `pollMs`. A nudge before start() is dropped: start() runs a pass, which takes those rows.
 */
export function createOutboxRelay(pool: Pool, pollMs: number, log: Logger): OutboxRelay {
  let running: Promise<void> | undefined;
  let rerun = false;
  let started = false;
  let stopped = false;
  let soon: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;

  const run = () => {
    if (!started || stopped) return;
    if (running) {
      // Rows committed after the running batch looked: one more pass once it is done.
      rerun = true;
      return;
    }
    running = (async () => {
      try {
        while (!stopped && (await relayOutbox(pool)) === RELAY_BATCH) {}
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'job outbox relay failed; retrying on poll');
      }
    })().finally(() => {
      running = undefined;
      if (rerun) {
        rerun = false;
        run();
      }
    });
  };
  return {
    start() {
      if (started || stopped) return;
      started = true;
      poll = setInterval(run, pollMs);
      poll.unref();
      run();
    },
    nudge() {
      if (!started) return;
      // A timer rather than a run at once: the writes of one event-loop turn share a batch.
      soon ??= setTimeout(() => {
        soon = undefined;
        run();
      }, 1);
    },
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearTimeout(soon);
      await running;
    },
  };
}
