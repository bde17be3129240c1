import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { CategoryRow } from '../schema/categories.js';
import { type ExpenseRow, expenses } from '../schema/expenses.js';
import { dirtyDaysSql } from './daily-metrics.js';
import {
  anyId,
  bigintArray,
  groupPages,
  type KeysetWindow,
  keysetCondition,
  keysetOrderBy,
  type SortKey,
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

const e = {
  id: sql`e.id`,
  date: sql`e.expense_date`,
  amount: sql`e.amount`,
  createdAt: sql`e.created_at`,
};

export const expenseSortKeys: Record<ExpenseOrder, SortKey> = {
  DATE_DESC: { column: e.date, id: e.id, direction: 'desc', cast: 'date' },
  DATE_ASC: { column: e.date, id: e.id, direction: 'asc', cast: 'date' },
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

const columns = sql.raw(
  `e.id, e.user_id as "userId", e.category_id as "categoryId", e.amount, e.currency,
   e.description, e.merchant, e.expense_date as "expenseDate",
   e.category_source as "categorySource", e.created_at as "createdAt",
   e.updated_at as "updatedAt"`,
);

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function filterCondition(filter: ExpenseFilter): SQL {
  const parts: SQL[] = [sql`true`];
  if (filter.from !== undefined) parts.push(sql`e.expense_date >= ${filter.from}::date`);
  if (filter.to !== undefined) parts.push(sql`e.expense_date <= ${filter.to}::date`);
  if (filter.categoryId !== undefined) parts.push(sql`e.category_id = ${filter.categoryId}`);
  if (filter.minAmount !== undefined) parts.push(sql`e.amount >= ${filter.minAmount}::numeric`);
  if (filter.maxAmount !== undefined) parts.push(sql`e.amount <= ${filter.maxAmount}::numeric`);
  if (filter.search !== undefined) {
    const pattern = `%${escapeLike(filter.search)}%`;
    parts.push(sql`(e.description ilike ${pattern} or e.merchant ilike ${pattern})`);
  }
  return sql.join(parts, sql` and `);
}

function ownerColumn(owner: ExpenseOwner): SQL {
  return owner === 'user' ? sql`e.user_id` : sql`e.category_id`;
}

/** The category columns a page can carry along, prefixed so they cannot meet an expense's. */
const categoryColumns = sql.raw(
  `c.id as "c.id", c.user_id as "c.userId", c.name as "c.name", c.color as "c.color",
   c.created_at as "c.createdAt", c.updated_at as "c.updatedAt"`,
);

type PageRow = ExpenseRow & { owner: number } & Partial<Record<`c.${keyof CategoryRow}`, unknown>>;

export interface PageExtras {
  /** Join each expense's category (a page that shows categories then needs no statement). */
  readonly withCategories?: boolean;
  /** Count each owner's matching expenses in the same statement (`totalCount`). */
  readonly withTotal?: boolean;
}

export interface ExpensePages {
  /** Each owner's page, in the requested order. */
  readonly pages: Map<number, ExpenseRow[]>;
  /** The categories of those expenses, when asked for (`withCategories`). */
  readonly categories: CategoryRow[];
  /** Each owner's total matching expenses, when asked for (`withTotal`). */
  readonly totals: Map<number, number>;
}

/**
 * One page of expenses for each owner, in one statement: a LATERAL subquery per owner id walks
 * that owner's keyset index from the cursor, so the cost does not grow with depth or fan-out.
 * Returns `window.limit` rows at most per owner, in the requested (not the scan) order, and
 * what `include` asks for from the same statement.
 */
export async function pageExpensesByOwner(
  db: Executor,
  owner: ExpenseOwner,
  ownerIds: readonly number[],
  filter: ExpenseFilter,
  order: ExpenseOrder,
  window: KeysetWindow,
  include: PageExtras = {},
): Promise<ExpensePages> {
  const key = expenseSortKeys[order];
  const { withCategories = false, withTotal = false } = include;
  const page = sql`
      select ${columns}${withCategories ? sql`, ${categoryColumns}` : sql``}
      from expenses e
      ${withCategories ? sql`left join categories c on c.id = e.category_id` : sql``}
      where ${ownerColumn(owner)} = o.id
        and ${filterCondition(filter)}
        and ${keysetCondition(key, window)}
      order by ${keysetOrderBy(key, window.backward)}
      limit ${window.limit}`;
  // With the total, each owner's count is a lateral of its own and an owner whose page is empty
  // still returns one row, with a null id, for its total. `offset 0` keeps Postgres from pulling
  // the count up into the select list, where it would run once per page row instead of once.
  const rows = withTotal
    ? await db.execute<PageRow & { total: number }>(sql`
        select o.id as owner, t.total, p.*
        from unnest(${bigintArray(ownerIds)}) as o(id)
        cross join lateral (select ${countOf(owner, filter, sql`o.id`)} as total offset 0) t
        left join lateral (${page}) p on true`)
    : await db.execute<PageRow>(sql`
        select o.id as owner, p.*
        from unnest(${bigintArray(ownerIds)}) as o(id)
        cross join lateral (${page}) p`);
  const categories = new Map<number, CategoryRow>();
  const totals = new Map<number, number>();
  for (const row of rows) {
    if (withCategories && row['c.id'] != null) {
      categories.set(row['c.id'] as number, categoryOf(row));
    }
    if (withTotal) totals.set(row.owner, (row as { total: number }).total);
  }
  const found = withTotal ? rows.filter((row) => row.id != null) : rows;
  return {
    pages: groupPages(found, ownerIds, window.backward, expenseOf),
    categories: [...categories.values()],
    totals,
  };
}

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

function categoryOf(row: PageRow): CategoryRow {
  return {
    id: row['c.id'] as number,
    userId: row['c.userId'] as number,
    name: row['c.name'] as string,
    color: row['c.color'] as string | null,
    createdAt: row['c.createdAt'] as string,
    updatedAt: row['c.updatedAt'] as string,
  };
}

/** How many expenses each owner has that match the filter: one statement. */
export async function countExpensesByOwner(
  db: Executor,
  owner: ExpenseOwner,
  ownerIds: readonly number[],
  filter: ExpenseFilter,
): Promise<Map<number, number>> {
  const rows = await db.execute<{ owner: number; count: number }>(sql`
    select o.id as owner, ${countOf(owner, filter, sql`o.id`)} as count
    from unnest(${bigintArray(ownerIds)}) as o(id)`);
  return new Map(rows.map((row) => [row.owner, row.count]));
}

/** The number of `id`'s expenses matching the filter, as an int expression. */
function countOf(owner: ExpenseOwner, filter: ExpenseFilter, id: SQL): SQL {
  if (owner === 'user' && Object.values(filter).every((value) => value === undefined)) {
    return allOfUser(id);
  }
  return sql`(select count(*) from expenses e
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

/** Sum of amounts per category within optional date bounds, as exact decimal strings. */
export async function sumExpensesByCategory(
  db: Executor,
  categoryIds: readonly number[],
  range: { from?: string; to?: string },
): Promise<Map<number, string>> {
  const rows = await db.execute<{ owner: number; total: string }>(sql`
    select e.category_id as owner, sum(e.amount)::numeric(14,2)::text as total from expenses e
    where e.category_id = any(${bigintArray(categoryIds)})
      and ${filterCondition(range)}
    group by e.category_id`);
  return new Map(rows.map((row) => [row.owner, row.total]));
}

export async function findExpensesByIds(
  db: Executor,
  ids: readonly number[],
): Promise<ExpenseRow[]> {
  return db.select().from(expenses).where(anyId(expenses.id, ids));
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
 * statement that folds it in as a WITH clause (jobs/expense-inserts.ts). The rows travel as one
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

/** Updates one of the user's expenses; undefined when it is not theirs or does not exist. */
export async function updateExpense(
  db: Executor,
  userId: number,
  id: number,
  patch: ExpensePatch,
): Promise<ExpenseRow | undefined> {
  const [row] = await db
    .update(expenses)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(expenses.id, id), eq(expenses.userId, userId)))
    .returning();
  return row;
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
): Promise<string[]> {
  const rows = await db
    .update(expenses)
    .set({ categorySource: 'UNCATEGORIZED', updatedAt: sql`now()` })
    .where(and(eq(expenses.categoryId, categoryId), eq(expenses.userId, userId)))
    .returning({ expenseDate: expenses.expenseDate });
  return rows.map((row) => row.expenseDate);
}
