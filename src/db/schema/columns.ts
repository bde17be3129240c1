import { bigint, timestamp } from 'drizzle-orm/pg-core';

/** A bigint identity primary key, read as a number (ids stay far below 2^53). */
export const identity = () =>
  bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();

/** created_at / updated_at, both set by Postgres; updates set updated_at to now(). */
export const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
};
