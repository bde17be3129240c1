/**
 * Keeps the daily_metrics rollup honest: every change to a user's expenses marks its days dirty
 * and queues their rollup, in the same transaction. Rollups are debounced per user, day and
 * database session (a burst of writes to one day costs a recomputation per session that wrote
 * it, and the later ones find the marks cleared and stop); reads compute dirty days live
 * meanwhile. The key names the session because a queued job's row is locked by the write that
 * upserts it until that write commits: keyed per user and day, one user's concurrent writes
 * queued behind each other's commits (about 700 writes/s per user on this machine). A session
 * runs one transaction at a time, so its writes never wait for each other here.
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { markDaysDirtySql } from '../db/queries/daily-metrics.js';
import { addJobsSql, type JobSpec } from './enqueue.js';

/** The debounced update_daily_metrics job of each day (keyed per user, day and session). */
export function rollupJobs(
  userId: number,
  days: readonly string[],
  debounceMs: number,
): JobSpec<'update_daily_metrics'>[] {
  return [...new Set(days)].map((day) => ({
    task: 'update_daily_metrics',
    payload: { userId, day },
    jobKey: `update_daily_metrics:${userId}:${day}`,
    keyPerSession: true,
    runAfterMs: debounceMs,
  }));
}

/** Marks the days dirty and queues their rollups: one statement (the mark as a CTE). */
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
    ${addJobsSql(rollupJobs(userId, unique, debounceMs))}`);
}
