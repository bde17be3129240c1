import { type SQL, sql } from 'drizzle-orm';
import type { CategoryRow } from '../schema/categories.js';
import { execute, param, type SqlRunner, statement } from '../statement.js';
import { type JoinedCategory, joinedCategories, joinedCategory } from './categories.js';
import { dirtyDaysSql } from './daily-metrics.js';

/** The parameters of a statement over a user's spending in [from, to]. */
type RangeParams = { readonly userId: number; readonly from: string; readonly to: string };

/**
 * A user's spending in [from, to] as (day, category, total, count) parts: days from the
 * daily_metrics rollup unless marked dirty (every write marks its days in its own statement, so
 * an unmarked day is rolled up, today and later days included); dirty days, and every day of a
 * user the rollup does not cover yet, live from expenses. Category 0 is uncategorized.
 */
function spendingParts(): SQL {
  const userId = sql`${param('userId')}::bigint`;
  const from = sql`${param('from')}::date`;
  const to = sql`${param('to')}::date`;
  // Each branch's condition on `covered` is a one-time filter: for a covered user the whole-range
  // scan of expenses never runs, and the live part reads only the dirty days' index ranges (the
  // LATERAL with OFFSET 0 is not flattened, so the planner cannot hash the join over a scan of
  // every user's expenses: it did once dirty days came from a recursive walk of unknown size).
  return sql`
    with dirty as (
      select day from ${dirtyDaysSql(userId, from, to)} as walked
    ), covered as (
      select exists(select 1 from daily_metrics_coverage where user_id = ${userId}) as yes
    )
    select m.day, m.category_id, m.total, m.count from daily_metrics m
    where (select yes from covered) and m.user_id = ${userId}
      and m.day between ${from} and ${to}
      and m.day not in (select day from dirty)
    union all
    select e.expense_date, coalesce(e.category_id, 0), e.amount, 1
    from dirty d cross join lateral (
      select e.expense_date, e.category_id, e.amount from expenses e
      where e.user_id = ${userId} and e.expense_date = d.day offset 0) e
    where (select yes from covered)
    union all
    select e.expense_date, coalesce(e.category_id, 0), e.amount, 1 from expenses e
    where not (select yes from covered)
      and e.user_id = ${userId} and e.expense_date between ${from} and ${to}`;
}

export interface CategorySpendRow {
  readonly categoryId: number | null;
  readonly total: string;
  readonly count: number;
}

export interface SpendingSummaryRow {
  readonly total: string;
  readonly count: number;
  readonly byCategory: CategorySpendRow[];
}

export interface SpendingSummary extends SpendingSummaryRow {
  /** Each category of `byCategory` (null: no longer exists), when asked for (`withCategories`). */
  readonly categories: Map<number, CategoryRow | null>;
}

/**
 * The per-category rows and the grand total (GROUPING SETS), largest category first. The sort
 * keys are columns of their own, so the statement that joins the categories can keep the order.
 */
const summaryRows = sql`
  select nullif(p.category_id, 0) as "categoryId", sum(p.total)::numeric(20,2)::text as total,
         coalesce(sum(p.count), 0)::int as count, grouping(p.category_id) = 1 as "isTotal",
         sum(p.total) as "sortTotal", p.category_id as "sortCategory"
  from (${spendingParts()}) as p (day, category_id, total, count)
  group by grouping sets ((p.category_id), ())`;

const summaryOrder = sql`"isTotal" desc, "sortTotal" desc, "sortCategory" = 0, "sortCategory"`;

const summary = statement<RangeParams>(sql`
  select s."categoryId", s.total, s.count, s."isTotal"
  from (${summaryRows}) s order by ${summaryOrder}`);

const summaryWithCategories = statement<RangeParams>(sql`
  select s."categoryId", s.total, s.count, s."isTotal", ${joinedCategories.columns}
  from (${summaryRows}) s
  left join ${joinedCategories.table} on ${joinedCategories.id} = s."categoryId"
  order by ${summaryOrder}`);

type SummaryRow = {
  categoryId: number | null;
  total: string;
  count: number;
  isTotal: boolean;
} & JoinedCategory;

/**
 * A user's spending in [from, to], aggregated in Postgres: one statement returns the per-category
 * rows and the grand total, largest category first, reading the rollup for closed days. With
 * `withCategories` the same statement brings each category's row (the categories of a user's
 * spending are that user's own, so whoever may read the summary may read them).
 */
export async function spendingSummary(
  db: SqlRunner,
  userId: number,
  from: string,
  to: string,
  include: { readonly withCategories?: boolean } = {},
): Promise<SpendingSummary> {
  const withCategories = include.withCategories === true;
  const rows = await execute<SummaryRow, RangeParams>(
    db,
    withCategories ? summaryWithCategories : summary,
    { userId, from, to },
  );
  const categories = new Map<number, CategoryRow | null>();
  const [first, ...rest] = rows;
  if (!first?.isTotal) return { total: '0.00', count: 0, byCategory: [], categories };
  const byCategory = rest.map((row) => {
    if (withCategories && row.categoryId !== null) {
      categories.set(row.categoryId, joinedCategory(row));
    }
    return { categoryId: row.categoryId, total: row.total, count: row.count };
  });
  return { total: first.total ?? '0.00', count: first.count, byCategory, categories };
}

export interface DailyMetricRow {
  readonly date: string;
  readonly total: string;
  readonly count: number;
}

const daily = statement<RangeParams>(sql`
  select d.day::date::text as date,
         coalesce(sum(p.total), 0)::numeric(20,2)::text as total,
         coalesce(sum(p.count), 0)::int as count
  from generate_series(${param('from')}::date, ${param('to')}::date, interval '1 day') as d(day)
  left join (${spendingParts()}) as p (day, category_id, total, count)
    on p.day = d.day::date
  group by d.day order by d.day`);

/** One row per day in [from, to], zero where nothing was spent (rollup for closed days). */
export function dailyMetrics(
  db: SqlRunner,
  userId: number,
  from: string,
  to: string,
): Promise<DailyMetricRow[]> {
  return execute<DailyMetricRow, RangeParams>(db, daily, { userId, from, to });
}
