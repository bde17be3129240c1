/**
 * Creating expenses is one statement: the INSERT, a suggest_category job per uncategorized row,
 * the days' dirty marks and their rollup jobs, each a WITH clause. A statement is atomic by
 * itself, so there is no BEGIN/COMMIT. The jobs go into the job outbox (src/db/outbox-relay.ts relays it), and
 * the marks are new rows: one user's concurrent writes share no row and send no NOTIFY, so their
 * commits do not queue behind each other. Nudge the process's outbox relay afterwards.
 */
import { type SQL, sql } from 'drizzle-orm';
import { taskOptions } from '../../domain/job-payloads.js';
import type { Executor } from '../client.js';
import type { ExpenseRow } from '../schema/expenses.js';
import { markDaysDirtySql } from './daily-metrics.js';
import { insertExpensesSql, type NewExpense } from './expenses.js';
import { outboxJobsSql } from './job-queue.js';
import { rollupJobs } from './rollups.js';

/**
 * The one statement that inserts `rows` of one user with their jobs (also timed on its own by
 * the load suite, as the ceiling a gateway's bulk inserts cannot pass).
 */
export function expenseInsertsSql(
  userId: number,
  rows: readonly NewExpense[],
  debounceMs: number,
): SQL {
  const days = [...new Set(rows.map((row) => row.expenseDate))];
  const suggest = taskOptions.suggest_category;
  // Data-modifying WITH clauses run whether or not the final SELECT reads them.
  return sql`
    with inserted as (${insertExpensesSql(rows)}),
    dirty as (${markDaysDirtySql(userId, days)}),
    suggestions as (
      insert into job_outbox (spec)
      select jsonb_build_object(
        'identifier', 'suggest_category',
        'payload', jsonb_build_object('expenseId', i.id),
        'max_attempts', ${suggest.maxAttempts}::int,
        'priority', ${suggest.priority}::int,
        'job_key', 'suggest_category:' || i.id)
      from inserted i where i."categorySource" = 'PENDING'),
    rollups as (${outboxJobsSql(rollupJobs(userId, days, debounceMs))})
    select i.* from inserted i`;
}

/** Inserts `rows` of one user with their jobs; the rows come back in input order. */
export async function insertExpensesWithJobs(
  db: Executor,
  userId: number,
  rows: readonly NewExpense[],
  debounceMs: number,
): Promise<ExpenseRow[]> {
  if (rows.length === 0) return [];
  if (rows.some((row) => row.userId !== userId)) throw new Error('rows of another user');
  const inserted = await db.execute<ExpenseRow>(expenseInsertsSql(userId, rows, debounceMs));
  // Identity values follow input order (insertExpensesSql inserts by the input ordinal).
  return [...inserted].sort((a, b) => a.id - b.id);
}
