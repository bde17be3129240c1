import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { type CategoryRow, categories } from '../schema/categories.js';
import { categoryKeywords } from '../schema/category-keywords.js';
import {
  anyId,
  bigintArray,
  groupPages,
  type KeysetWindow,
  keysetCondition,
  keysetOrderBy,
  type SortKey,
} from './keyset.js';

const byId: SortKey = { column: sql`c.id`, id: sql`c.id`, direction: 'asc', cast: 'bigint' };

const columns = sql.raw(
  `c.id, c.user_id as "userId", c.name, c.color, c.created_at as "createdAt",
   c.updated_at as "updatedAt"`,
);

export interface CategoryPageExtras {
  /** Each category's keywords (alphabetically), aggregated in the same statement. */
  readonly withKeywords?: boolean;
}

export interface CategoryPages {
  readonly pages: Map<number, CategoryRow[]>;
  /** Keywords by category id, when asked for (`withKeywords`). */
  readonly keywords: Map<number, string[]>;
}

/** One page of categories (in creation order) for each user, in one statement. */
export async function pageCategoriesByUser(
  db: Executor,
  userIds: readonly number[],
  window: KeysetWindow,
  include: CategoryPageExtras = {},
): Promise<CategoryPages> {
  const { withKeywords = false } = include;
  const rows = await db.execute<CategoryRow & { owner: number; keywords?: string[] }>(sql`
    select o.id as owner, p.*
    from unnest(${bigintArray(userIds)}) as o(id)
    cross join lateral (
      select ${columns}${
        withKeywords
          ? sql`, array(select k.keyword from category_keywords k
                        where k.category_id = c.id order by k.keyword) as keywords`
          : sql``
      }
      from categories c
      where c.user_id = o.id and ${keysetCondition(byId, window)}
      order by ${keysetOrderBy(byId, window.backward)}
      limit ${window.limit}
    ) p`);
  const keywords = new Map<number, string[]>();
  if (withKeywords) for (const row of rows) keywords.set(row.id, row.keywords ?? []);
  const pages = groupPages(rows, userIds, window.backward, (row) => ({
    id: row.id,
    userId: row.userId,
    name: row.name,
    color: row.color,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }));
  return { pages, keywords };
}

export async function countCategoriesByUser(
  db: Executor,
  userIds: readonly number[],
): Promise<Map<number, number>> {
  const rows = await db
    .select({ owner: categories.userId, count: sql<number>`count(*)::int` })
    .from(categories)
    .where(anyId(categories.userId, userIds))
    .groupBy(categories.userId);
  return new Map(rows.map((row) => [row.owner, row.count]));
}

export function findCategoriesByIds(db: Executor, ids: readonly number[]): Promise<CategoryRow[]> {
  return db.select().from(categories).where(anyId(categories.id, ids));
}

/** Keywords of each category, alphabetically. */
export async function keywordsByCategory(
  db: Executor,
  categoryIds: readonly number[],
): Promise<Map<number, string[]>> {
  const rows = await db
    .select()
    .from(categoryKeywords)
    .where(anyId(categoryKeywords.categoryId, categoryIds))
    .orderBy(asc(categoryKeywords.categoryId), asc(categoryKeywords.keyword));
  const map = new Map<number, string[]>();
  for (const row of rows) {
    const list = map.get(row.categoryId);
    if (list) list.push(row.keyword);
    else map.set(row.categoryId, [row.keyword]);
  }
  return map;
}

/** Names already taken (case-insensitively) among the user's categories, other than `exceptId`. */
export async function findCategoryNameClash(
  db: Executor,
  userId: number,
  name: string,
  exceptId?: number,
): Promise<boolean> {
  const rows = await db
    .select({ id: categories.id })
    .from(categories)
    .where(
      and(
        eq(categories.userId, userId),
        sql`lower(${categories.name}) = lower(${name})`,
        exceptId === undefined ? undefined : sql`${categories.id} <> ${exceptId}`,
      ),
    )
    .limit(1);
  return rows.length > 0;
}

export interface NewCategory {
  readonly userId: number;
  readonly name: string;
  readonly color?: string | null;
  readonly keywords: readonly string[];
}

/** Inserts categories and their keywords: two statements whatever the count. Run in a transaction. */
export async function insertCategories(
  db: Executor,
  rows: readonly NewCategory[],
): Promise<CategoryRow[]> {
  if (rows.length === 0) return [];
  const inserted = await db
    .insert(categories)
    .values(rows.map(({ userId, name, color }) => ({ userId, name, color: color ?? null })))
    .returning();
  const keywords = inserted.flatMap((category, i) =>
    (rows[i]?.keywords ?? []).map((keyword) => ({ categoryId: category.id, keyword })),
  );
  if (keywords.length > 0) await db.insert(categoryKeywords).values(keywords).onConflictDoNothing();
  return inserted;
}

export async function updateCategory(
  db: Executor,
  userId: number,
  id: number,
  patch: { name?: string; color?: string | null },
): Promise<CategoryRow | undefined> {
  const [row] = await db
    .update(categories)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(categories.id, id), eq(categories.userId, userId)))
    .returning();
  return row;
}

export async function replaceKeywords(
  db: Executor,
  categoryId: number,
  keywords: readonly string[],
): Promise<void> {
  await db.delete(categoryKeywords).where(eq(categoryKeywords.categoryId, categoryId));
  if (keywords.length > 0) {
    await db.insert(categoryKeywords).values(keywords.map((keyword) => ({ categoryId, keyword })));
  }
}

export async function deleteCategory(db: Executor, userId: number, id: number): Promise<boolean> {
  const rows = await db
    .delete(categories)
    .where(and(eq(categories.id, id), eq(categories.userId, userId)))
    .returning({ id: categories.id });
  return rows.length > 0;
}
