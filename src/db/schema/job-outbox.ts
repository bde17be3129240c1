import { bigint, jsonb, pgTable, timestamp } from 'drizzle-orm/pg-core';

/**
 * Jobs that expense writes queue, in the write's own statement or transaction, on their way into
 * graphile-worker (src/db/outbox-relay.ts moves them, in batches). graphile_worker.add_jobs sends a
 * NOTIFY, and Postgres serializes the commits of every transaction that notified, each holding a
 * database-wide lock through its WAL flush: called by every write, it capped expense creation
 * across all users (Lock/object waits). A plain INSERT here shares nothing between writers.
 */
export const jobOutbox = pgTable('job_outbox', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  /** A graphile_worker.job_spec as JSON (identifier, payload, job_key, run_at, …). */
  spec: jsonb('spec').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});
