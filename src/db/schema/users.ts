import { sql } from 'drizzle-orm';
import { char, check, numeric, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { identity, timestamps } from './columns.js';

export const users = pgTable(
  'users',
  {
    id: identity(),
    /** As the user typed it (shown back to them). */
    email: text('email').notNull(),
    /** The email as compared (auth/email.ts: NFKC, case folded): unique, and what log-in reads. */
    emailKey: text('email_key').notNull(),
    /** Granted and revoked only by the operator command (`npm run admin`), never by sign-up. */
    role: text('role', { enum: ['user', 'admin'] })
      .notNull()
      .default('user'),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    currency: char('currency', { length: 3 }).notNull().default('USD'),
    /** Where notifications (export ready, budget crossed) are POSTed; null: none. */
    notificationWebhookUrl: text('notification_webhook_url'),
    /** Signs deliveries to that URL (Standard Webhooks `whsec_…`); made when a URL is first set. */
    notificationWebhookSecret: text('notification_webhook_secret'),
    /** A month's spending above this sends a budget notification; null: no budget. */
    monthlyBudget: numeric('monthly_budget', { precision: 14, scale: 2 }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_email_key_key').on(t.emailKey),
    check('users_role_check', sql`${t.role} in ('user', 'admin')`),
  ],
);

export type UserRow = typeof users.$inferSelect;
/** A user as every read but logging in sees it: the password hash stays in the auth path. */
export type UserProfile = Omit<UserRow, 'passwordHash'>;
