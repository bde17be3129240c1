import { sql } from 'drizzle-orm';
import { char, numeric, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { identity, timestamps } from './columns.js';

export const users = pgTable(
  'users',
  {
    id: identity(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    /** Where notifications (export ready, budget crossed) are POSTed; null: none. */
    notificationWebhookUrl: text('notification_webhook_url'),
    /** A month's spending above this sends a budget notification; null: no budget. */
    monthlyBudget: numeric('monthly_budget', { precision: 14, scale: 2 }),
    ...timestamps,
  },
  (t) => [uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`)],
);

export type UserRow = typeof users.$inferSelect;
/** A user as every read but logging in sees it: the password hash stays in the auth path. */
export type UserProfile = Omit<UserRow, 'passwordHash'>;
