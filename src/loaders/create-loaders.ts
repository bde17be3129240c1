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
import type { UserProfile } from '../db/schema/users.js';
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
  readonly userById: DataLoader<number, UserProfile | null>;
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
  /**
   * The list fetches behind the grouped loaders, for many owners at once and without a
   * DataLoader (nested connections planned at their parent list: graphql/nested-connections.ts).
   * They prime the by-id loaders as the loaders do.
   */
  readonly pages: {
    categoriesByUser(
      ownerIds: number[],
      params: CategoryListParams,
    ): Promise<Map<number, CategoryRow[]>>;
    expensesByOwner(
      ownerIds: number[],
      params: ExpenseListParams,
    ): Promise<Map<number, ExpenseRow[]>>;
  };
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

/** What a request's loaders are made from. */
interface Scope {
  readonly sql: SqlRunner;
  readonly db: Executor;
  readonly options: LoaderOptions;
  /** The request's loaders, to prime one with another's rows. */
  readonly loaders: Loaders;
}

/** The loader's options, with its name for tracing spans. */
const traced = (scope: Scope, name: string) => ({ batch: scope.options.batch, name });

const factories: { readonly [K in keyof Loaders]: (scope: Scope) => Loaders[K] } = {
  userById: (scope) =>
    createMapLoader(
      cached(scope.options.entities, 'user', async (ids) =>
        byId(await findUsersByIds(scope.sql, ids)),
      ),
      () => null,
      traced(scope, 'userById'),
    ),
  categoryById: (scope) =>
    createMapLoader(
      cached(scope.options.entities, 'category', async (ids) =>
        byId(await findCategoriesByIds(scope.sql, ids)),
      ),
      () => null,
      traced(scope, 'categoryById'),
    ),
  expenseById: (scope) =>
    createByIdLoader((ids) => findExpensesByIds(scope.sql, ids), traced(scope, 'expenseById')),
  expenseWithCategoryById: (scope) =>
    createMapLoader(
      async (ids) => {
        const found = await findExpensesWithCategoriesByIds(scope.sql, ids);
        for (const row of found.categories) scope.loaders.categoryById.prime(row.id, row);
        const rows = byId(found.expenses);
        // A missing expense is an answer too: `expenseById` need not ask again.
        for (const id of ids) scope.loaders.expenseById.prime(id, rows.get(id) ?? null);
        return rows;
      },
      () => null,
      traced(scope, 'expenseWithCategoryById'),
    ),
  jobById: (scope) =>
    createByIdLoader((ids) => findJobsByIds(scope.db, ids), traced(scope, 'jobById')),
  exportById: (scope) =>
    createByIdLoader((ids) => findExportsByIds(scope.db, ids), traced(scope, 'exportById')),
  keywordsByCategory: (scope) =>
    createMapLoader(
      cached(scope.options.entities, 'keywords', async (ids) => {
        const found = await keywordsByCategory(scope.sql, ids);
        // A category without keywords is an answer worth caching too.
        for (const id of ids) if (!found.has(id)) found.set(id, []);
        return found;
      }),
      (): string[] => [],
      traced(scope, 'keywordsByCategory'),
    ),
  categoriesByUser: (scope) =>
    createGroupedLoader(
      scope.loaders.pages.categoriesByUser,
      (): CategoryRow[] => [],
      traced(scope, 'categoriesByUser'),
    ),
  categoryCountByUser: (scope) =>
    createGroupedLoader(
      (ids) => countCategoriesByUser(scope.sql, ids),
      () => 0,
      traced(scope, 'categoryCountByUser'),
    ),
  expensesByOwner: (scope) =>
    createGroupedLoader(
      scope.loaders.pages.expensesByOwner,
      (): ExpenseRow[] => [],
      traced(scope, 'expensesByOwner'),
    ),
  pages: (scope) => ({
    async categoriesByUser(ids, { window, include }) {
      const { pages, keywords } = await pageCategoriesByUser(scope.sql, ids, window, include);
      for (const rows of pages.values()) {
        for (const row of rows) scope.loaders.categoryById.prime(row.id, row);
      }
      for (const [id, words] of keywords) scope.loaders.keywordsByCategory.prime(id, words);
      return pages;
    },
    async expensesByOwner(ids, { owner, filter, order, window, include }) {
      const { pages, categories, totals } = await pageExpensesByOwner(
        scope.sql,
        owner,
        ids,
        filter,
        order,
        window,
        include,
      );
      // Partial rows (a page that read some columns) must not answer a by-id read of others.
      if (!include?.columns) {
        for (const rows of pages.values()) {
          for (const row of rows) scope.loaders.expenseById.prime(row.id, row);
        }
      }
      for (const row of categories) scope.loaders.categoryById.prime(row.id, row);
      for (const [ownerId, total] of totals) {
        scope.loaders.expenseCountByOwner.prime(expenseCountKey(ownerId, owner, filter), total);
      }
      return pages;
    },
  }),
  expenseCountByOwner: (scope) =>
    createGroupedLoader(
      (ids, { owner, filter }: ExpenseCountParams) =>
        countExpensesByOwner(scope.sql, owner, ids, filter),
      () => 0,
      traced(scope, 'expenseCountByOwner'),
    ),
  totalSpentByCategory: (scope) =>
    createGroupedLoader(
      (ids, range: { from?: string; to?: string }) => sumExpensesByCategory(scope.sql, ids, range),
      () => '0.00',
      traced(scope, 'totalSpentByCategory'),
    ),
};

/**
 * A request's loaders, each made on first use. Every request gets one, so the getters are
 * defined once on the prototype rather than per request (a request that reads one loader pays
 * for no other).
 */
class LazyLoaders {
  readonly #scope: Scope;
  readonly #made: { -readonly [K in keyof Loaders]?: Loaders[K] } = {};

  constructor(sql: SqlRunner, db: Executor, options: LoaderOptions) {
    this.#scope = { sql, db, options, loaders: this as unknown as Loaders };
  }

  static {
    for (const name of Object.keys(factories) as (keyof Loaders)[]) {
      Object.defineProperty(LazyLoaders.prototype, name, {
        enumerable: true,
        get(this: LazyLoaders) {
          const made = this.#made;
          made[name] ??= factories[name](this.#scope) as never;
          return made[name];
        },
      });
    }
  }
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
  return new LazyLoaders(sql, db, options) as unknown as Loaders;
}
