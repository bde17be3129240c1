import { bigint, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { categories } from './categories.js';

export const categoryKeywords = pgTable(
  'category_keywords',
  {
    categoryId: bigint('category_id', { mode: 'number' })
      .notNull()
      .references(() => categories.id, { onDelete: 'cascade' }),
    keyword: text('keyword').notNull(),
  },
  (t) => [primaryKey({ columns: [t.categoryId, t.keyword] })],
);

export type CategoryKeywordRow = typeof categoryKeywords.$inferSelect;
