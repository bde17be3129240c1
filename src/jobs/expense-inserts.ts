/**
 * Creating expenses is one statement: the INSERT, a suggest_category job per uncategorized row,
 * the days' dirty marks and their rollup jobs, each a WITH clause. A statement is atomic by
 * itself, so there is no BEGIN/COMMIT, and the rows every write of a user touches (the day's
 * dirty mark, its debounced rollup job) stay locked only while Postgres runs and commits it. As
 * a transaction of four statements they stayed locked for a round trip to the gateway and back,
 * and under load a user's writes queued behind one another's network time. They are still one
 * user's point of serialization: on this machine one user's writes top out near 700/s (the row
 * lock is held through the commit's WAL flush); different users' writes share none of these rows.
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { markDaysDirtySql } from '../db/queries/daily-metrics.js';
import { insertExpensesSql, type NewExpense } from '../db/queries/expenses.js';
import type { ExpenseRow } from '../db/schema/expenses.js';
import { addJobsSql } from './enqueue.js';
import { taskOptions } from './payloads.js';
import { rollupJobs } from './rollups.js';

/** Inserts `rows` of one user with their jobs; the rows come back in input order. */
export async function insertExpensesWithJobs(
  db: Executor,
  userId: number,
  rows: readonly NewExpense[],
  debounceMs: number,
): Promise<ExpenseRow[]> {
  if (rows.length === 0) return [];
  if (rows.some((row) => row.userId !== userId)) throw new Error('rows of another user');
  const days = [...new Set(rows.map((row) => row.expenseDate))];
  const suggest = taskOptions.suggest_category;
  // The INSERT clauses run regardless; the add_jobs SELECTs only because the final SELECT
  // reads them.
  const inserted = await db.execute<ExpenseRow>(sql`
    with inserted as (${insertExpensesSql(rows)}),
    dirty as (${markDaysDirtySql(userId, days)}),
    suggestions as (
      select count(*) as n from graphile_worker.add_jobs(array(
        select json_populate_record(null::graphile_worker.job_spec, json_build_object(
          'identifier', 'suggest_category',
          'payload', json_build_object('expenseId', i.id),
          'max_attempts', ${suggest.maxAttempts}::int,
          'priority', ${suggest.priority}::int,
          'job_key', 'suggest_category:' || i.id))
        from inserted i where i."categorySource" = 'PENDING'))),
    rollups as (${addJobsSql(rollupJobs(userId, days, debounceMs))})
    select i.* from inserted i, suggestions, rollups`);
  // Identity values follow input order (insertExpensesSql inserts by the input ordinal).
  return [...inserted].sort((a, b) => a.id - b.id);
}
