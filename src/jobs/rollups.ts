/**
 * Keeps the daily_metrics rollup honest: every change to a user's expenses marks its days dirty
 * and queues their rollup, in the same transaction. Rollups are debounced per user and day (a
 * burst of writes to one day costs one recomputation); reads compute dirty days live meanwhile.
 */
import type { Executor } from '../db/client.js';
import { markDaysDirty } from '../db/queries/daily-metrics.js';
import { enqueue } from './enqueue.js';

export async function expensesChanged(
  db: Executor,
  userId: number,
  days: readonly string[],
  debounceMs: number,
): Promise<void> {
  const unique = [...new Set(days)];
  await markDaysDirty(db, userId, unique);
  await enqueue(
    db,
    unique.map((day) => ({
      task: 'update_daily_metrics' as const,
      payload: { userId, day },
      jobKey: `update_daily_metrics:${userId}:${day}`,
      runAfterMs: debounceMs,
    })),
  );
}
