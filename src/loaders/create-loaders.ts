/**
 * The request's DataLoaders, created lazily on first use and dropped with the request. Every
 * relation the schema offers resolves through one of these, so a nested query costs one
 * statement per level. Lists prime the by-id loaders with the rows they return.
 */
import type DataLoader from 'dataloader';
import type { EntityCache, EntityType } from '../cache/entities.js';
import type { Executor } from '../db/client.js';
import {
  type CategoryPageExtras,
  countCategoriesByUser,
  findCategoriesByIds,
  keywordsByCategory,
  pageCategoriesByUser,
} from '../db/queries/categories.js';
import {
  countExpensesByOwner,
  type ExpenseFilter,
  type ExpenseOrder,
  type ExpenseOwner,
  findExpensesByIds,
  findExpensesWithCategoriesByIds,
  type PageExtras,
  pageExpensesByOwner,
  sumExpensesByCategory,
} from '../db/queries/expenses.js';
import { findExportsByIds } from '../db/queries/exports.js';
import { findJobsByIds } from '../db/queries/jobs.js';
import type { KeysetWindow } from '../db/queries/keyset.js';
import { findUsersByIds } from '../db/queries/users.js';
import type { CategoryRow } from '../db/schema/categories.js';
import type { ExpenseRow } from '../db/schema/expenses.js';
import type { ExportRow } from '../db/schema/exports.js';
import type { JobRow } from '../db/schema/jobs.js';
import type { UserRow } from '../db/schema/users.js';
import type { SqlRunner } from '../db/statement.js';
import { createByIdLoader, createGroupedLoader, createMapLoader } from './grouped-loader.js';

export interface CategoryListParams {
  readonly window: KeysetWindow;
  /** What the page statement brings along (the selection shows keywords). */
  readonly include?: CategoryPageExtras;
}

export interface ExpenseListParams {
  readonly owner: ExpenseOwner;
  readonly filter: ExpenseFilter;
  readonly order: ExpenseOrder;
  readonly window: KeysetWindow;
  /** What the page statement brings along (the selection shows categories, totalCount). */
  readonly include?: PageExtras;
}

/** The key of expenseCountByOwner (one shape: keys are compared as JSON, primed and loaded). */
export function expenseCountKey(
  ownerId: number,
  owner: ExpenseOwner,
  filter: ExpenseFilter,
): ExpenseCountParams & { ownerId: number } {
  return { ownerId, owner, filter };
}

export interface ExpenseCountParams {
  readonly owner: ExpenseOwner;
  readonly filter: ExpenseFilter;
}

export interface Loaders {
  readonly userById: DataLoader<number, UserRow | null>;
  readonly categoryById: DataLoader<number, CategoryRow | null>;
  readonly expenseById: DataLoader<number, ExpenseRow | null>;
  /**
   * Expenses by id with their categories in the same statement: loading one primes
   * `expenseById` and `categoryById` (for a selection that shows the category).
   */
  readonly expenseWithCategoryById: DataLoader<number, ExpenseRow | null>;
  readonly jobById: DataLoader<number, JobRow | null>;
  readonly exportById: DataLoader<number, ExportRow | null>;
  readonly keywordsByCategory: DataLoader<number, string[]>;
  readonly categoriesByUser: DataLoader<
    CategoryListParams & { ownerId: number },
    CategoryRow[],
    string
  >;
  readonly categoryCountByUser: DataLoader<{ ownerId: number }, number, string>;
  readonly expensesByOwner: DataLoader<
    ExpenseListParams & { ownerId: number },
    ExpenseRow[],
    string
  >;
  readonly expenseCountByOwner: DataLoader<
    ExpenseCountParams & { ownerId: number },
    number,
    string
  >;
  readonly totalSpentByCategory: DataLoader<
    { ownerId: number; from?: string; to?: string },
    string,
    string
  >;
}

export interface LoaderOptions {
  /** false resolves every key with its own statement (the naive path, for load comparisons). */
  readonly batch: boolean;
  /** Where users, categories and keywords are looked up before Postgres, when caching is on. */
  readonly entities?: EntityCache;
}

/** A by-id fetch that goes through the entity cache when there is one. */
function cached<V>(
  entities: EntityCache | undefined,
  type: EntityType,
  fetch: (ids: number[]) => Promise<Map<number, V>>,
): (ids: number[]) => Promise<Map<number, V>> {
  return entities ? (ids) => entities.loadMany(type, ids, fetch) : fetch;
}

const byId = <V extends { id: number }>(rows: V[]) => new Map(rows.map((row) => [row.id, row]));

function lazy<T extends object>(factories: { [K in keyof T]: () => T[K] }): T {
  const made: Partial<T> = {};
  const result = {} as T;
  for (const name of Object.keys(factories) as (keyof T)[]) {
    Object.defineProperty(result, name, {
      enumerable: true,
      get: () => {
        made[name] ??= factories[name]();
        return made[name];
      },
    });
  }
  return result;
}

/**
 * The loaders over `sql` (statements built once); `db` (Drizzle) serves the rare by-id reads
 * still written with Drizzle's query builder (jobs, exports).
 */
export function createLoaders(
  sql: SqlRunner,
  db: Executor,
  options: LoaderOptions = { batch: true },
): Loaders {
  /** The loader's options, with its name for tracing spans. */
  const traced = (name: string) => ({ batch: options.batch, name });
  const loaders: Loaders = lazy<Loaders>({
    userById: () =>
      createMapLoader(
        cached(options.entities, 'user', async (ids) => byId(await findUsersByIds(sql, ids))),
        () => null,
        traced('userById'),
      ),
    categoryById: () =>
      createMapLoader(
        cached(options.entities, 'category', async (ids) =>
          byId(await findCategoriesByIds(sql, ids)),
        ),
        () => null,
        traced('categoryById'),
      ),
    expenseById: () =>
      createByIdLoader((ids) => findExpensesByIds(sql, ids), traced('expenseById')),
    expenseWithCategoryById: () =>
      createMapLoader(
        async (ids) => {
          const found = await findExpensesWithCategoriesByIds(sql, ids);
          for (const row of found.categories) loaders.categoryById.prime(row.id, row);
          const rows = byId(found.expenses);
          // A missing expense is an answer too: `expenseById` need not ask again.
          for (const id of ids) loaders.expenseById.prime(id, rows.get(id) ?? null);
          return rows;
        },
        () => null,
        traced('expenseWithCategoryById'),
      ),
    jobById: () => createByIdLoader((ids) => findJobsByIds(db, ids), traced('jobById')),
    exportById: () => createByIdLoader((ids) => findExportsByIds(db, ids), traced('exportById')),
    keywordsByCategory: () =>
      createMapLoader(
        cached(options.entities, 'keywords', async (ids) => {
          const found = await keywordsByCategory(sql, ids);
          // A category without keywords is an answer worth caching too.
          for (const id of ids) if (!found.has(id)) found.set(id, []);
          return found;
        }),
        (): string[] => [],
        traced('keywordsByCategory'),
      ),
    categoriesByUser: () =>
      createGroupedLoader(
        async (ids, { window, include }: CategoryListParams) => {
          const { pages, keywords } = await pageCategoriesByUser(sql, ids, window, include);
          for (const rows of pages.values()) {
            for (const row of rows) loaders.categoryById.prime(row.id, row);
          }
          for (const [id, words] of keywords) loaders.keywordsByCategory.prime(id, words);
          return pages;
        },
        (): CategoryRow[] => [],
        traced('categoriesByUser'),
      ),
    categoryCountByUser: () =>
      createGroupedLoader(
        (ids) => countCategoriesByUser(sql, ids),
        () => 0,
        traced('categoryCountByUser'),
      ),
    expensesByOwner: () =>
      createGroupedLoader(
        async (ids, { owner, filter, order, window, include }: ExpenseListParams) => {
          const { pages, categories, totals } = await pageExpensesByOwner(
            sql,
            owner,
            ids,
            filter,
            order,
            window,
            include,
          );
          for (const rows of pages.values()) {
            for (const row of rows) loaders.expenseById.prime(row.id, row);
          }
          for (const row of categories) loaders.categoryById.prime(row.id, row);
          for (const [ownerId, total] of totals) {
            loaders.expenseCountByOwner.prime(expenseCountKey(ownerId, owner, filter), total);
          }
          return pages;
        },
        (): ExpenseRow[] => [],
        traced('expensesByOwner'),
      ),
    expenseCountByOwner: () =>
      createGroupedLoader(
        (ids, { owner, filter }: ExpenseCountParams) =>
          countExpensesByOwner(sql, owner, ids, filter),
        () => 0,
        traced('expenseCountByOwner'),
      ),
    totalSpentByCategory: () =>
      createGroupedLoader(
        (ids, range: { from?: string; to?: string }) => sumExpensesByCategory(sql, ids, range),
        () => '0.00',
        traced('totalSpentByCategory'),
      ),
  });
  return loaders;
}
