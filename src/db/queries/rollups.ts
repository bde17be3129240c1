/**
 * Keeps the daily_metrics rollup honest: every change to a user's expenses marks its days dirty
 * and queues their rollup (through the job outbox), in the same transaction. Rollups are debounced
 * per user and day (a burst of writes to one day costs one recomputation: the relays replace the
 * pending job of that key); reads compute dirty days live meanwhile. Writers share no row on this
 * path: the marks and the outbox rows are plain inserts, and only relays upsert the keyed jobs.
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { markDaysDirtySql } from './daily-metrics.js';
import { type JobSpec, outboxJobsSql } from './job-queue.js';

/** The debounced update_daily_metrics job of each day (keyed per user and day). */
export function rollupJobs(
  userId: number,
  days: readonly string[],
  debounceMs: number,
): JobSpec<'update_daily_metrics'>[] {
  return [...new Set(days)].map((day) => ({
    task: 'update_daily_metrics',
    payload: { userId, day },
    jobKey: `update_daily_metrics:${userId}:${day}`,
    runAfterMs: debounceMs,
  }));
}

/**
 * Marks the days dirty and queues their rollups: one statement (the mark as a CTE). Nudge the
 * process's outbox relay once the transaction has committed.
 */
export async function expensesChanged(
  db: Executor,
  userId: number,
  days: readonly string[],
  debounceMs: number,
): Promise<void> {
  const unique = [...new Set(days)];
  if (unique.length === 0) return;
  // A data-modifying WITH runs whether or not the main statement reads it.
  await db.execute(sql`
    with dirty as (${markDaysDirtySql(userId, unique)})
    ${outboxJobsSql(rollupJobs(userId, unique, debounceMs))}`);
}
