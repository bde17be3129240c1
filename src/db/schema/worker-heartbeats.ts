import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Each live graphile-worker worker's last sign of life; the sweeper unlocks the stale ones' jobs. */
export const workerHeartbeats = pgTable('worker_heartbeats', {
  workerId: text('worker_id').primaryKey(),
  lastSeen: timestamp('last_seen', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});
