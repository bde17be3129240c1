/**
 * Files an expense created without a category under the one its words suggest (the keyword
 * match of domain/categories/suggest.ts), unless the user categorized it meanwhile.
 */
import type { Executor } from '../../db/client.js';
import { categoryIdsOfUser } from '../../db/queries/categories.js';
import { applySuggestedCategory, findExpense } from '../../db/queries/expenses.js';
import { expensesChanged } from '../../db/queries/rollups.js';
import { suggestCategory } from '../categories/suggest.js';
import type { UnitOfWork } from '../unit-of-work.js';

export interface SuggestionDeps {
  readonly uow: UnitOfWork<Executor>;
  /** Reads outside the unit of work. */
  readonly db: Executor;
  /** Each category's keywords, in the order asked (the entity cache serves them when on). */
  readonly keywords: (categoryIds: readonly number[]) => Promise<readonly (readonly string[])[]>;
  /** How long a day's rollup waits for more changes to the same day. */
  readonly rollupDebounceMs: number;
}

export type SuggestionOutcome = { readonly skipped: true } | { readonly categoryId: number | null };

export async function suggestExpenseCategory(
  deps: SuggestionDeps,
  expenseId: number,
): Promise<SuggestionOutcome> {
  const expense = await findExpense(deps.db, expenseId);
  // Deleted, or categorized by hand meanwhile: nothing to suggest.
  if (expense?.categorySource !== 'PENDING') return { skipped: true };
  const owned = await categoryIdsOfUser(deps.db, expense.userId);
  const keywords = await deps.keywords(owned);
  const categoryId = suggestCategory(
    `${expense.description} ${expense.merchant ?? ''}`,
    owned.map((id, i) => ({ id, keywords: keywords[i] ?? [] })),
  );
  await deps.uow.transaction(async (tx, changed) => {
    if (!(await applySuggestedCategory(tx, expenseId, categoryId))) return;
    // A category moves the amount between rollup rows of that day.
    if (categoryId) {
      await expensesChanged(tx, expense.userId, [expense.expenseDate], deps.rollupDebounceMs);
      changed.jobs();
    }
    changed.user(expense.userId);
    changed.event({ type: 'expense', userId: expense.userId, kind: 'UPDATED', expenseId });
  });
  return { categoryId };
}
