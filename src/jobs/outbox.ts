/**
 * The job outbox: expense writes queue their jobs (suggestions, rollups) as rows of job_outbox,
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
import type { Pool } from '../db/client.js';
import type { JobSpecJson } from '../db/queries/job-queue.js';
import type { Logger } from '../logger.js';

/** Rows one relay transaction moves. */
export const RELAY_BATCH = 500;

/**
 * Moves up to RELAY_BATCH outbox rows, oldest first, into graphile-worker in one transaction.
 * Relays of several processes take disjoint rows (SKIP LOCKED). Returns how many rows it moved.
 */
export async function relayOutbox(pool: Pool, batch = RELAY_BATCH): Promise<number> {
  return pool.begin(async (tx) => {
    const rows = await tx<{ id: number; spec: JobSpecJson }[]>`
      delete from job_outbox where id in (
        select id from job_outbox order by id limit ${batch} for update skip locked)
      returning id, spec`;
    if (rows.length === 0) return 0;
    // add_jobs upserts by job key, and one statement may not upsert a row twice: per key, the
    // latest spec wins (as a later add_jobs call would have replaced the earlier).
    const keyed = new Map<string, JobSpecJson>();
    const unkeyed: JobSpecJson[] = [];
    // DELETE … RETURNING keeps no order: oldest first, so the latest spec of a key wins.
    for (const { spec } of rows.sort((a, b) => a.id - b.id)) {
      if (spec.job_key) keyed.set(spec.job_key, spec);
      else unkeyed.push(spec);
    }
    await tx`
      select count(*) from graphile_worker.add_jobs(array(
        select json_populate_record(null::graphile_worker.job_spec, spec)
        from json_array_elements(${JSON.stringify([...unkeyed, ...keyed.values()])}::json) as spec
      ))`;
    return rows.length;
  });
}

export interface OutboxRelay {
  /** Relays soon: call it after a write that queued jobs through the outbox has committed. */
  nudge(): void;
  /** Stops relaying (rows left stay in the outbox for the next relay). */
  stop(): Promise<void>;
}

/** A relay for this process: runs when nudged (nudges coalesce) and every `pollMs`. */
export function startOutboxRelay(pool: Pool, pollMs: number, log: Logger): OutboxRelay {
  let running: Promise<void> | undefined;
  let rerun = false;
  let stopped = false;
  let soon: NodeJS.Timeout | undefined;

  const run = () => {
    if (stopped) return;
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
  const poll = setInterval(run, pollMs);
  poll.unref();

  return {
    nudge() {
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
