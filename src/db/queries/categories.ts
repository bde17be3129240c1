import { and, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../client.js';
import { type CategoryRow, categories } from '../schema/categories.js';
import { categoryKeywords } from '../schema/category-keywords.js';
import {
  byShape,
  columnsOf,
  execute,
  idArray,
  param,
  type SqlRunner,
  statement,
} from '../statement.js';
import {
  groupPages,
  idsParam,
  type KeysetParams,
  type KeysetWindow,
  keysetCondition,
  keysetOrderBy,
  keysetParams,
  type SortKey,
  windowShape,
} from './keyset.js';

/** The categories table as `c`, in statements that read it or join it. */
const c = alias(categories, 'c');
const k = alias(categoryKeywords, 'k');

const byId: SortKey = { column: c.id, id: c.id, direction: 'asc', cast: 'bigint' };

const columns = columnsOf(c);

/**
 * The categories table as another statement joins it (`left join ${joinedCategories.table} on
 * ${joinedCategories.id} = ...`): its columns prefixed `c.`, so they meet no other table's.
 */
export const joinedCategories = {
  table: sql`${categories} ${c}`,
  id: c.id,
  columns: columnsOf(c, 'c.'),
};

/** A row's joined category columns (see `joinedCategories`). */
export type JoinedCategory = Partial<Record<`c.${keyof CategoryRow}`, unknown>>;

/** The category a row's joined columns hold (null when the join found none). */
export function joinedCategory(row: JoinedCategory): CategoryRow | null {
  if (row['c.id'] == null) return null;
  return {
    id: row['c.id'] as number,
    userId: row['c.userId'] as number,
    name: row['c.name'] as string,
    color: row['c.color'] as string | null,
    createdAt: row['c.createdAt'] as string,
    updatedAt: row['c.updatedAt'] as string,
  };
}

export interface CategoryPageExtras {
  /** Each category's keywords (alphabetically), aggregated in the same statement. */
  readonly withKeywords?: boolean;
}

export interface CategoryPages {
  readonly pages: Map<number, CategoryRow[]>;
  /** Keywords by category id, when asked for (`withKeywords`). */
  readonly keywords: Map<number, string[]>;
}

type PageParams = KeysetParams & { readonly ids: string };

const pageStatement = byShape<{ window: KeysetWindow; withKeywords: boolean }, PageParams>(
  ({ window, withKeywords }) => `${windowShape(window)}|${withKeywords}`,
  ({ window, withKeywords }) => sql`
    select o.id as owner, p.*
    from unnest(${idsParam}) as o(id)
    cross join lateral (
      select ${columns}${
        withKeywords
          ? sql`, array(select ${k.keyword} from ${categoryKeywords} ${k}
                        where ${k.categoryId} = ${c.id} order by ${k.keyword}) as keywords`
          : sql``
      }
      from ${categories} ${c}
      where ${c.userId} = o.id and ${keysetCondition(byId, window)}
      order by ${keysetOrderBy(byId, window.backward)}
      limit ${param('limit')}
    ) p`,
);

/** One page of categories (in creation order) for each user, in one statement. */
export async function pageCategoriesByUser(
  db: SqlRunner,
  userIds: readonly number[],
  window: KeysetWindow,
  include: CategoryPageExtras = {},
): Promise<CategoryPages> {
  const withKeywords = include.withKeywords === true;
  const rows = await execute<CategoryRow & { owner: number; keywords?: string[] }, PageParams>(
    db,
    pageStatement({ window, withKeywords }),
    { ids: idArray(userIds), ...keysetParams(window) },
  );
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

const countByUser = statement<{ ids: string }>(sql`
  select ${c.userId} as owner, count(*)::int as count from ${categories} ${c}
  where ${c.userId} = any(${idsParam}) group by ${c.userId}`);

export async function countCategoriesByUser(
  db: SqlRunner,
  userIds: readonly number[],
): Promise<Map<number, number>> {
  const rows = await execute<{ owner: number; count: number }, { ids: string }>(db, countByUser, {
    ids: idArray(userIds),
  });
  return new Map(rows.map((row) => [row.owner, row.count]));
}

const byIds = statement<{ ids: string }>(sql`
  select ${columns} from ${categories} ${c} where ${c.id} = any(${idsParam})`);

export function findCategoriesByIds(db: SqlRunner, ids: readonly number[]): Promise<CategoryRow[]> {
  return execute<CategoryRow, { ids: string }>(db, byIds, { ids: idArray(ids) });
}

const keywordsByIds = statement<{ ids: string }>(sql`
  select ${k.categoryId} as "categoryId", ${k.keyword} as keyword
  from ${categoryKeywords} ${k} where ${k.categoryId} = any(${idsParam})
  order by ${k.categoryId}, ${k.keyword}`);

/** Keywords of each category, alphabetically. */
export async function keywordsByCategory(
  db: SqlRunner,
  categoryIds: readonly number[],
): Promise<Map<number, string[]>> {
  const rows = await execute<{ categoryId: number; keyword: string }, { ids: string }>(
    db,
    keywordsByIds,
    { ids: idArray(categoryIds) },
  );
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

/** The ids of a user's categories. */
export async function categoryIdsOfUser(db: Executor, userId: number): Promise<number[]> {
  const rows = await db
    .select({ id: categories.id })
    .from(categories)
    .where(eq(categories.userId, userId));
  return rows.map((row) => row.id);
}
