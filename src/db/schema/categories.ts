import { sql } from 'drizzle-orm';
import { bigint, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { identity, timestamps } from './columns.js';
import { users } from './users.js';

export const categories = pgTable(
  'categories',
  {
    id: identity(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    color: text('color'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('categories_user_name_key').on(t.userId, sql`lower(${t.name})`),
    // Keyset index for User.categories (ordered by id).
    index('categories_user_id_idx').on(t.userId, t.id),
  ],
);

export type CategoryRow = typeof categories.$inferSelect;
