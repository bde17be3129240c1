import { and, eq, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../client.js';
import type { CategoryRow } from '../schema/categories.js';
import { type ExpenseRow, expenses } from '../schema/expenses.js';
import {
  byShape,
  columnsOf,
  execute,
  idArray,
  param,
  type SqlRunner,
  statement,
} from '../statement.js';
import { type JoinedCategory, joinedCategories, joinedCategory } from './categories.js';
import { dirtyDaysSql } from './daily-metrics.js';
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

export type ExpenseOrder = 'DATE_DESC' | 'DATE_ASC' | 'AMOUNT_DESC' | 'AMOUNT_ASC' | 'CREATED_DESC';

/** A validated ExpenseFilter: decimals as exact strings, dates as YYYY-MM-DD, ids as numbers. */
export interface ExpenseFilter {
  readonly from?: string;
  readonly to?: string;
  readonly categoryId?: number;
  readonly minAmount?: string;
  readonly maxAmount?: string;
  readonly search?: string;
}

/** Whose expenses a list holds. */
export type ExpenseOwner = 'user' | 'category';

const e = alias(expenses, 'e');

export const expenseSortKeys: Record<ExpenseOrder, SortKey> = {
  DATE_DESC: { column: e.expenseDate, id: e.id, direction: 'desc', cast: 'date' },
  DATE_ASC: { column: e.expenseDate, id: e.id, direction: 'asc', cast: 'date' },
  AMOUNT_DESC: { column: e.amount, id: e.id, direction: 'desc', cast: 'numeric' },
  AMOUNT_ASC: { column: e.amount, id: e.id, direction: 'asc', cast: 'numeric' },
  CREATED_DESC: { column: e.createdAt, id: e.id, direction: 'desc', cast: 'timestamptz' },
};

/** The value of an expense's sort key, as it goes into a cursor. */
export function expenseSortValue(row: ExpenseRow, order: ExpenseOrder): string {
  if (order === 'DATE_DESC' || order === 'DATE_ASC') return row.expenseDate;
  if (order === 'AMOUNT_DESC' || order === 'AMOUNT_ASC') return row.amount;
  return row.createdAt;
}

/** An expense's columns, named as ExpenseRow's properties. */
const columns = columnsOf(e);

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** The filter's values as parameters (`search` as its ILIKE pattern). */
type FilterParams = {
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly categoryId: number | undefined;
  readonly minAmount: string | undefined;
  readonly maxAmount: string | undefined;
  readonly search: string | undefined;
};

function filterParams(filter: ExpenseFilter): FilterParams {
  return {
    from: filter.from,
    to: filter.to,
    categoryId: filter.categoryId,
    minAmount: filter.minAmount,
    maxAmount: filter.maxAmount,
    search: filter.search === undefined ? undefined : `%${escapeLike(filter.search)}%`,
  };
}

/** Which filters are set: what of a filter shapes a statement's text. */
function filterShape(filter: ExpenseFilter): string {
  return [
    filter.from === undefined ? '' : 'from',
    filter.to === undefined ? '' : 'to',
    filter.categoryId === undefined ? '' : 'category',
    filter.minAmount === undefined ? '' : 'min',
    filter.maxAmount === undefined ? '' : 'max',
    filter.search === undefined ? '' : 'search',
  ].join(',');
}

function filterCondition(filter: ExpenseFilter): SQL {
  const parts: SQL[] = [sql`true`];
  if (filter.from !== undefined) parts.push(sql`${e.expenseDate} >= ${param('from')}::date`);
  if (filter.to !== undefined) parts.push(sql`${e.expenseDate} <= ${param('to')}::date`);
  if (filter.categoryId !== undefined) {
    parts.push(sql`${e.categoryId} = ${param('categoryId')}::bigint`);
  }
  if (filter.minAmount !== undefined) {
    parts.push(sql`${e.amount} >= ${param('minAmount')}::numeric`);
  }
  if (filter.maxAmount !== undefined) {
    parts.push(sql`${e.amount} <= ${param('maxAmount')}::numeric`);
  }
  if (filter.search !== undefined) {
    parts.push(
      sql`(${e.description} ilike ${param('search')} or ${e.merchant} ilike ${param('search')})`,
    );
  }
  return sql.join(parts, sql` and `);
}

function ownerColumn(owner: ExpenseOwner): SQL {
  return owner === 'user' ? sql`${e.userId}` : sql`${e.categoryId}`;
}

type PageRow = ExpenseRow & { owner: number } & JoinedCategory;

export interface PageExtras {
  /** Join each expense's category (a page that shows categories then needs no statement). */
  readonly withCategories?: boolean;
  /** Count each owner's matching expenses in the same statement (`totalCount`). */
  readonly withTotal?: boolean;
  /**
   * Read only these of an expense's columns (besides its keys and the sort column): the rows
   * are then partial. Unset: whole rows.
   */
  readonly columns?: readonly (keyof ExpenseRow)[];
}

/** What every row of a page carries, whatever `columns` says: its keys (ids, owners). */
const KEY_COLUMNS: readonly (keyof ExpenseRow)[] = ['id', 'userId', 'categoryId'];

/** The columns of a page's rows: all, or the keys, the sort column and those asked for. */
function pageColumns(order: ExpenseOrder, only: readonly (keyof ExpenseRow)[] | undefined) {
  if (!only) return undefined;
  const sortColumn: keyof ExpenseRow =
    order === 'AMOUNT_ASC' || order === 'AMOUNT_DESC'
      ? 'amount'
      : order === 'CREATED_DESC'
        ? 'createdAt'
        : 'expenseDate';
  return [...new Set([...KEY_COLUMNS, sortColumn, ...only])].sort();
}

export interface ExpensePages {
  /** Each owner's page, in the requested order. */
  readonly pages: Map<number, ExpenseRow[]>;
  /** The categories of those expenses, when asked for (`withCategories`). */
  readonly categories: CategoryRow[];
  /** Each owner's total matching expenses, when asked for (`withTotal`). */
  readonly totals: Map<number, number>;
}

interface PageShape {
  readonly owner: ExpenseOwner;
  readonly filter: ExpenseFilter;
  readonly order: ExpenseOrder;
  readonly window: KeysetWindow;
  readonly withCategories: boolean;
  readonly withTotal: boolean;
  /** Sorted; undefined: every column. */
  readonly columns: readonly string[] | undefined;
}

type PageParams = FilterParams & KeysetParams & { readonly ids: string };

const pageStatement = byShape<PageShape, PageParams>(
  (shape) =>
    `${shape.owner}|${shape.order}|${filterShape(shape.filter)}|${windowShape(shape.window)}|` +
    `${shape.withCategories}|${shape.withTotal}|${shape.columns?.join(',') ?? '*'}`,
  ({ owner, filter, order, window, withCategories, withTotal, columns: only }) => {
    const key = expenseSortKeys[order];
    const selected = only ? columnsOf(e, '', (column) => only.includes(column)) : columns;
    const page = sql`
      select ${selected}${withCategories ? sql`, ${joinedCategories.columns}` : sql``}
      from ${expenses} ${e}
      ${
        withCategories
          ? sql`left join ${joinedCategories.table} on ${joinedCategories.id} = ${e.categoryId}`
          : sql``
      }
      where ${ownerColumn(owner)} = o.id
        and ${filterCondition(filter)}
        and ${keysetCondition(key, window)}
      order by ${keysetOrderBy(key, window.backward)}
      limit ${param('limit')}`;
    // With the total, each owner's count is a lateral of its own and an owner whose page is
    // empty still returns one row, with a null id, for its total. `offset 0` keeps Postgres from
    // pulling the count up into the select list, where it would run once per page row instead
    // of once.
    return withTotal
      ? sql`
        select o.id as owner, t.total, p.*
        from unnest(${idsParam}) as o(id)
        cross join lateral (select ${countOf(owner, filter, sql`o.id`)} as total offset 0) t
        left join lateral (${page}) p on true`
      : sql`
        select o.id as owner, p.*
        from unnest(${idsParam}) as o(id)
        cross join lateral (${page}) p`;
  },
);

/**
 * One page of expenses for each owner, in one statement: a LATERAL subquery per owner id walks
 * that owner's keyset index from the cursor, so the cost does not grow with depth or fan-out.
 * Returns `window.limit` rows at most per owner, in the requested (not the scan) order, and
 * what `include` asks for from the same statement.
 */
export async function pageExpensesByOwner(
  db: SqlRunner,
  owner: ExpenseOwner,
  ownerIds: readonly number[],
  filter: ExpenseFilter,
  order: ExpenseOrder,
  window: KeysetWindow,
  include: PageExtras = {},
): Promise<ExpensePages> {
  const { withCategories = false, withTotal = false } = include;
  const only = pageColumns(order, include.columns);
  const rows = await execute<PageRow & { total?: number }, PageParams>(
    db,
    pageStatement({ owner, filter, order, window, withCategories, withTotal, columns: only }),
    { ids: idArray(ownerIds), ...filterParams(filter), ...keysetParams(window) },
  );
  const categories = new Map<number, CategoryRow>();
  const totals = new Map<number, number>();
  for (const row of rows) {
    const category = withCategories ? joinedCategory(row) : null;
    if (category) categories.set(category.id, category);
    if (withTotal) totals.set(row.owner, row.total as number);
  }
  const found = withTotal ? rows.filter((row) => row.id != null) : rows;
  return {
    pages: groupPages(found, ownerIds, window.backward, only ? asPartialExpense : expenseOf),
    categories: [...categories.values()],
    totals,
  };
}

/**
 * A partial page's rows are used as postgres.js made them: they hold only the columns read (and
 * the owner), and copying 2,500 of them a fan-out into fresh objects was work for the GC.
 */
const asPartialExpense = (row: ExpenseRow): ExpenseRow => row;

function expenseOf(row: ExpenseRow): ExpenseRow {
  return {
    id: row.id,
    userId: row.userId,
    categoryId: row.categoryId,
    amount: row.amount,
    currency: row.currency,
    description: row.description,
    merchant: row.merchant,
    expenseDate: row.expenseDate,
    categorySource: row.categorySource,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const countStatement = byShape<
  { owner: ExpenseOwner; filter: ExpenseFilter },
  FilterParams & { ids: string }
>(
  ({ owner, filter }) => `${owner}|${filterShape(filter)}`,
  ({ owner, filter }) => sql`
    select o.id as owner, ${countOf(owner, filter, sql`o.id`)} as count
    from unnest(${idsParam}) as o(id)`,
);

/** How many expenses each owner has that match the filter: one statement. */
export async function countExpensesByOwner(
  db: SqlRunner,
  owner: ExpenseOwner,
  ownerIds: readonly number[],
  filter: ExpenseFilter,
): Promise<Map<number, number>> {
  const rows = await execute<{ owner: number; count: number }, FilterParams & { ids: string }>(
    db,
    countStatement({ owner, filter }),
    { ids: idArray(ownerIds), ...filterParams(filter) },
  );
  return new Map(rows.map((row) => [row.owner, row.count]));
}

/** The number of `id`'s expenses matching the filter, as an int expression. */
function countOf(owner: ExpenseOwner, filter: ExpenseFilter, id: SQL): SQL {
  if (owner === 'user' && Object.values(filter).every((value) => value === undefined)) {
    return allOfUser(id);
  }
  return sql`(select count(*) from ${expenses} ${e}
    where ${ownerColumn(owner)} = ${id} and ${filterCondition(filter)})::int`;
}

/**
 * All of a user's expenses, counted from the daily rollup where it is current: days that are
 * not dirty from daily_metrics, and only dirty days from expenses (an index range per day: the
 * LATERAL count keeps the planner from hashing the join over a scan of every user's expenses).
 * Every write marks its days dirty in its own statement and queues their rollup, so a day that
 * is not dirty is rolled up, today and later days included. A heavy user's `totalCount` costs about one
 * row per day and category instead of one per expense. A user the rollup does not cover yet is
 * counted live.
 */
function allOfUser(id: SQL): SQL {
  return sql`(case when not exists (select 1 from daily_metrics_coverage c where c.user_id = ${id})
      then (select count(*) from expenses e where e.user_id = ${id})
      else
        coalesce((select sum(m.count) from daily_metrics m
                  where m.user_id = ${id} and m.day not in (select day from ${dirtyDaysSql(id)} w)), 0)
        + coalesce((select sum(n) from ${dirtyDaysSql(id)} d cross join lateral (
            select count(*) as n from expenses e where e.user_id = ${id} and e.expense_date = d.day
          ) day_count), 0)
      end)::int`;
}

type RangeParams = Pick<FilterParams, 'from' | 'to'> & { readonly ids: string };

const sumStatement = byShape<{ from?: string; to?: string }, RangeParams>(
  (range) => filterShape(range),
  (range) => sql`
    select ${e.categoryId} as owner, sum(${e.amount})::numeric(20,2)::text as total
    from ${expenses} ${e}
    where ${e.categoryId} = any(${idsParam}) and ${filterCondition(range)}
    group by ${e.categoryId}`,
);

/** Sum of amounts per category within optional date bounds, as exact decimal strings. */
export async function sumExpensesByCategory(
  db: SqlRunner,
  categoryIds: readonly number[],
  range: { from?: string; to?: string },
): Promise<Map<number, string>> {
  const rows = await execute<{ owner: number; total: string }, RangeParams>(
    db,
    sumStatement(range),
    { ids: idArray(categoryIds), from: range.from, to: range.to },
  );
  return new Map(rows.map((row) => [row.owner, row.total]));
}

const byIds = statement<{ ids: string }>(sql`
  select ${columns} from ${expenses} ${e} where ${e.id} = any(${idsParam})`);

export function findExpensesByIds(db: SqlRunner, ids: readonly number[]): Promise<ExpenseRow[]> {
  return execute<ExpenseRow, { ids: string }>(db, byIds, { ids: idArray(ids) });
}

const withCategoriesByIds = statement<{ ids: string }>(sql`
  select ${columns}, ${joinedCategories.columns}
  from ${expenses} ${e}
  left join ${joinedCategories.table} on ${joinedCategories.id} = ${e.categoryId}
  where ${e.id} = any(${idsParam})`);

/**
 * Expenses by id with their categories, in one statement. An expense's category is its owner's
 * own (the API refuses any other), so whoever may read the expense may read the category.
 */
export async function findExpensesWithCategoriesByIds(
  db: SqlRunner,
  ids: readonly number[],
): Promise<{ expenses: ExpenseRow[]; categories: CategoryRow[] }> {
  const rows = await execute<PageRow, { ids: string }>(db, withCategoriesByIds, {
    ids: idArray(ids),
  });
  const found: ExpenseRow[] = [];
  const categories = new Map<number, CategoryRow>();
  for (const row of rows) {
    found.push(expenseOf(row));
    const category = joinedCategory(row);
    if (category) categories.set(category.id, category);
  }
  return { expenses: found, categories: [...categories.values()] };
}

export type NewExpense = Omit<
  typeof expenses.$inferInsert,
  'id' | 'createdAt' | 'updatedAt' | 'userId' | 'currency'
> & {
  userId: number;
  /** null: the user's own currency, read in the same statement. */
  currency: string | null;
};

/**
 * The INSERT of `rows` (returning the row columns; identity values in input order), for a
 * statement that folds it in as a WITH clause (expense-inserts.ts). The rows travel as one
 * JSON parameter expanded by json_to_recordset: Drizzle's multi-row VALUES builder spent about
 * 30% of a bulk request's CPU assembling 8,000 placeholders for 1,000 rows.
 */
export function insertExpensesSql(rows: readonly NewExpense[]): SQL {
  const payload = JSON.stringify(
    rows.map((row, n) => ({
      n,
      user_id: row.userId,
      category_id: row.categoryId ?? null,
      amount: row.amount,
      currency: row.currency,
      description: row.description,
      merchant: row.merchant ?? null,
      expense_date: row.expenseDate,
      category_source: row.categorySource,
    })),
  );
  // The join reads the user's currency (and inserts nothing for a user that does not exist);
  // `order by r.n` keeps identity values in input order, whatever order the join produces.
  return sql`
    insert into expenses as e
      (user_id, category_id, amount, currency, description, merchant, expense_date, category_source)
    select r.user_id, r.category_id, r.amount, coalesce(r.currency, u.currency), r.description,
      r.merchant, r.expense_date, r.category_source
    from json_to_recordset(${payload}::json) as r (
      n int, user_id bigint, category_id bigint, amount numeric, currency text, description text,
      merchant text, expense_date date, category_source category_source)
    join users u on u.id = r.user_id
    order by r.n
    returning ${columns}`;
}

export type ExpensePatch = Partial<
  Pick<
    ExpenseRow,
    'amount' | 'description' | 'merchant' | 'expenseDate' | 'categoryId' | 'categorySource'
  >
>;

/**
 * Updates one of the user's expenses, with the date it had just before (read under the row's
 * lock in the same transaction, so a concurrent change of the date is seen, never a stale one);
 * undefined when it is not theirs or does not exist. Run it inside a transaction.
 */
export async function updateExpense(
  tx: Executor,
  userId: number,
  id: number,
  patch: ExpensePatch,
): Promise<{ row: ExpenseRow; previousDate: string } | undefined> {
  const [old] = await tx
    .select({ previousDate: expenses.expenseDate })
    .from(expenses)
    .where(and(eq(expenses.id, id), eq(expenses.userId, userId)))
    .for('update');
  if (!old) return undefined;
  const [row] = await tx
    .update(expenses)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(expenses.id, id), eq(expenses.userId, userId)))
    .returning();
  return row ? { row, previousDate: old.previousDate } : undefined;
}

/** Deletes one of the user's expenses; its date, or undefined when it is not theirs or absent. */
export async function deleteExpense(
  db: Executor,
  userId: number,
  id: number,
): Promise<{ expenseDate: string } | undefined> {
  const [row] = await db
    .delete(expenses)
    .where(and(eq(expenses.id, id), eq(expenses.userId, userId)))
    .returning({ expenseDate: expenses.expenseDate });
  return row;
}

/** Marks a category's expenses uncategorized (before the category is deleted); returns their days. */
export async function uncategorizeExpenses(
  db: Executor,
  userId: number,
  categoryId: number,
): Promise<{ id: number; expenseDate: string }[]> {
  return db
    .update(expenses)
    .set({ categorySource: 'UNCATEGORIZED', updatedAt: sql`now()` })
    .where(and(eq(expenses.categoryId, categoryId), eq(expenses.userId, userId)))
    .returning({ id: expenses.id, expenseDate: expenses.expenseDate });
}

/** One expense by id, whoever owns it (the worker's read); undefined when it is gone. */
export async function findExpense(db: Executor, id: number): Promise<ExpenseRow | undefined> {
  const [row] = await db.select().from(expenses).where(eq(expenses.id, id));
  return row;
}

/**
 * Files a PENDING expense under the suggested category (null: none fits, UNCATEGORIZED); false
 * when it is no longer PENDING (categorized by hand, or deleted, meanwhile).
 */
export async function applySuggestedCategory(
  db: Executor,
  id: number,
  categoryId: number | null,
): Promise<boolean> {
  const rows = await db
    .update(expenses)
    .set({
      categoryId,
      categorySource: categoryId ? 'SUGGESTED' : 'UNCATEGORIZED',
      updatedAt: sql`now()`,
    })
    .where(and(eq(expenses.id, id), eq(expenses.categorySource, 'PENDING')))
    .returning({ id: expenses.id });
  return rows.length > 0;
}
