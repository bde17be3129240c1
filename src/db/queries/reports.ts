import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';

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

/**
 * A user's spending in [from, to], aggregated in Postgres: one statement returns the per-category
 * rows and the grand total (GROUPING SETS), largest category first.
 */
export async function spendingSummary(
  db: Executor,
  userId: number,
  from: string,
  to: string,
): Promise<SpendingSummaryRow> {
  const rows = await db.execute<{
    categoryId: number | null;
    total: string;
    count: number;
    isTotal: boolean;
  }>(sql`
    select e.category_id as "categoryId", sum(e.amount)::numeric(14,2)::text as total,
           count(*)::int as count, grouping(e.category_id) = 1 as "isTotal"
    from expenses e
    where e.user_id = ${userId} and e.expense_date between ${from}::date and ${to}::date
    group by grouping sets ((e.category_id), ())
    order by "isTotal" desc, sum(e.amount) desc, e.category_id nulls last`);
  const [first, ...rest] = rows;
  if (!first?.isTotal) return { total: '0.00', count: 0, byCategory: [] };
  return {
    total: first.total ?? '0.00',
    count: first.count,
    byCategory: rest.map(({ categoryId, total, count }) => ({ categoryId, total, count })),
  };
}

export interface DailyMetricRow {
  readonly date: string;
  readonly total: string;
  readonly count: number;
}

/** One row per day in [from, to], zero where nothing was spent. */
export async function dailyMetrics(
  db: Executor,
  userId: number,
  from: string,
  to: string,
): Promise<DailyMetricRow[]> {
  const rows = await db.execute<{ date: string; total: string; count: number }>(sql`
    select d.day::date::text as date,
           coalesce(sum(e.amount), 0)::numeric(14,2)::text as total,
           count(e.id)::int as count
    from generate_series(${from}::date, ${to}::date, interval '1 day') as d(day)
    left join expenses e
      on e.user_id = ${userId} and e.expense_date = d.day::date
    group by d.day order by d.day`);
  return [...rows];
}
