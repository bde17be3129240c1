import { sql } from 'drizzle-orm';
import { char, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { identity, timestamps } from './columns.js';

export const users = pgTable(
  'users',
  {
    id: identity(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    ...timestamps,
  },
  (t) => [uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`)],
);

export type UserRow = typeof users.$inferSelect;
