import { sql } from 'drizzle-orm';
import {
  bigint,
  char,
  check,
  date,
  index,
  numeric,
  pgEnum,
  pgTable,
  text,
} from 'drizzle-orm/pg-core';
import { categories } from './categories.js';
import { identity, timestamps } from './columns.js';
import { users } from './users.js';

export const categorySource = pgEnum('category_source', [
  'MANUAL',
  'SUGGESTED',
  'PENDING',
  'UNCATEGORIZED',
]);

export const expenses = pgTable(
  'expenses',
  {
    id: identity(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Deleting a category leaves its expenses in place, uncategorized.
    categoryId: bigint('category_id', { mode: 'number' }).references(() => categories.id, {
      onDelete: 'set null',
    }),
    amount: numeric('amount', { precision: 14, scale: 2 }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    description: text('description').notNull(),
    merchant: text('merchant'),
    expenseDate: date('expense_date', { mode: 'string' }).notNull(),
    categorySource: categorySource('category_source').notNull(),
    ...timestamps,
  },
  (t) => [
    check('expenses_amount_positive', sql`${t.amount} > 0`),
    // Keyset indexes: one per ordering the API offers, for a user's list and a category's list.
    // DATE_ASC walks the DATE_DESC index backwards.
    index('expenses_user_date_idx').on(
      t.userId,
      t.expenseDate.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('expenses_user_amount_idx').on(
      t.userId,
      t.amount.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('expenses_user_created_idx').on(
      t.userId,
      t.createdAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('expenses_category_date_idx').on(
      t.categoryId,
      t.expenseDate.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('expenses_category_amount_idx').on(
      t.categoryId,
      t.amount.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
  ],
);

export type ExpenseRow = typeof expenses.$inferSelect;
