import {
  bigint,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { identity, timestamps } from './columns.js';
import { users } from './users.js';

export const jobState = pgEnum('job_state', ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED']);

/**
 * Our record of a job a user started (chat message, export). graphile-worker deletes finished
 * jobs; this keeps their outcome for `Query.job` until pruned.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: identity(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    state: jobState('state').notNull().default('QUEUED'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    result: jsonb('result'),
    /** Units of work done so far (rows, for an export); null until the task reports any. */
    progress: integer('progress'),
    /** Units of work in all, where the task knows them (an export's rows). */
    total: integer('total'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'string' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'string' }),
    ...timestamps,
  },
  (t) => [
    index('jobs_user_id_idx').on(t.userId, t.id),
    index('jobs_finished_at_idx').on(t.finishedAt),
  ],
);

export type JobRow = typeof jobs.$inferSelect;
