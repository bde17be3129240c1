import type { ExpenseRow } from '../db/schema/expenses.js';
import type { JobSpec } from './enqueue.js';

/** A suggest_category job (keyed per expense) for each expense still PENDING a category. */
export function suggestionJobs(rows: readonly ExpenseRow[]): JobSpec<'suggest_category'>[] {
  return rows
    .filter((row) => row.categorySource === 'PENDING')
    .map((row) => ({
      task: 'suggest_category',
      payload: { expenseId: row.id },
      jobKey: `suggest_category:${row.id}`,
    }));
}
