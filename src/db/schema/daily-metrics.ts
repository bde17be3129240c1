import {
  bigint,
  date,
  index,
  integer,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { users } from './users.js';

/**
 * Rollup of spending per user, day and category (category 0 = uncategorized, so the key has no
 * nulls). `dailyMetrics`, `summary` and list totals read it for every day that is not dirty.
 * The covering index carries the figures, so those reads are index-only scans: a total over a
 * user's days was a bitmap heap scan touching a page per row or two (0.6 ms for 500 rows, most
 * of the dashboard's Postgres time; 0.04 ms index-only).
 */
export const dailyMetrics = pgTable(
  'daily_metrics',
  {
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    categoryId: bigint('category_id', { mode: 'number' }).notNull(),
    // A day's sum of amounts up to 999,999,999,999.99 each: wider than one amount.
    total: numeric('total', { precision: 20, scale: 2 }).notNull(),
    count: integer('count').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' })
      .notNull()
      .defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.day, t.categoryId] }),
    index('daily_metrics_user_day_figures_idx').on(t.userId, t.day, t.categoryId, t.count, t.total),
  ],
);

/**
 * Marks of days whose expenses changed since their rollup: every write inserts one per day it
 * touches, in the same statement as the change, and reads compute a marked day live until
 * `update_daily_metrics` has caught up. Marks are only ever inserted by writes and deleted by
 * rollups: a rollup deletes the marks it can see (changes committed before it looked) and
 * recomputes the day from a later snapshot, so a change committed meanwhile keeps its own mark.
 * Writers share no row here (an upserted mark per day was one user's point of serialization:
 * concurrent writes of a user queued on its row lock through each other's commits).
 */
export const dirtyDays = pgTable(
  'daily_metrics_dirty',
  {
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.day, t.id] })],
);

/** The months a user was told they went over budget (one notification per month). */
export const budgetAlerts = pgTable(
  'budget_alerts',
  {
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** YYYY-MM */
    month: text('month').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' })
      .notNull()
      .defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.month] })],
);

/**
 * Users whose days are all in the rollup (but for dirty ones). A user without a row (bulk
 * loaded, not yet rolled up) is read live until `rollup_user` has covered them.
 */
export const metricsCoverage = pgTable('daily_metrics_coverage', {
  userId: bigint('user_id', { mode: 'number' })
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  coveredAt: timestamp('covered_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});
