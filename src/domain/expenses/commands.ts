/**
 * What a user can do to their expenses: create (one or up to MAX_BULK_EXPENSES at once),
 * update, delete. Each validates its input before writing anything, writes in one unit of work
 * and reports what changed: the user's data, the jobs it queued (a category suggestion per
 * uncategorized expense, the rollup of each day touched).
 */
import type { Viewer } from '../../auth/viewer.js';
import type { Executor } from '../../db/client.js';
import { violatedForeignKey } from '../../db/errors.js';
import { insertExpensesWithJobs } from '../../db/queries/expense-inserts.js';
import {
  deleteExpense as deleteExpenseRow,
  type ExpensePatch,
  type NewExpense,
  updateExpense as updateExpenseRow,
} from '../../db/queries/expenses.js';
import { expensesChanged } from '../../db/queries/rollups.js';
import type { CategoryRow } from '../../db/schema/categories.js';
import type { ExpenseRow } from '../../db/schema/expenses.js';
import { badInput, notFound } from '../errors.js';
import { requireId } from '../ids.js';
import type { UnitOfWork } from '../unit-of-work.js';
import * as check from '../validate.js';

export const MAX_BULK_EXPENSES = 1000;

export interface ExpenseDeps {
  readonly uow: UnitOfWork<Executor>;
  /** Categories by id, batched (null: none with that id). */
  readonly categories: (ids: readonly number[]) => Promise<readonly (CategoryRow | null)[]>;
  /** How long a day's rollup waits for more changes to the same day. */
  readonly rollupDebounceMs: number;
}

export interface NewExpenseInput {
  readonly amount: string;
  readonly description: string;
  readonly currency?: string | null;
  readonly merchant?: string | null;
  readonly date?: string | null;
  /** A Category's global ID. */
  readonly categoryId?: string | null;
}

export interface ExpenseChangeInput {
  /** The Expense's global ID. */
  readonly id: string;
  readonly amount?: string | null;
  readonly description?: string | null;
  /** null clears it. */
  readonly merchant?: string | null;
  readonly date?: string | null;
  /** null leaves the expense uncategorized. */
  readonly categoryId?: string | null;
}

/** Checks the viewer owns every referenced category, with one batched load. */
async function requireOwnCategories(deps: ExpenseDeps, viewer: Viewer, ids: readonly number[]) {
  const rows = await deps.categories([...new Set(ids)]);
  const owned = new Set(rows.flatMap((row) => (row && row.userId === viewer.id ? [row.id] : [])));
  for (const id of ids) if (!owned.has(id)) throw notFound('Category');
}

/** Validates one input into a row; `at` prefixes field names in errors (e.g. "expenses[3]."). */
function toNewExpense(input: NewExpenseInput, viewer: Viewer, at: string): NewExpense {
  const categoryId =
    input.categoryId == null ? null : requireId(input.categoryId, 'Category', `${at}categoryId`);
  return {
    userId: viewer.id,
    amount: check.positiveAmount(input.amount, `${at}amount`),
    description: check.text(input.description, `${at}description`, 500),
    currency: input.currency == null ? null : check.currency(input.currency, `${at}currency`),
    merchant: check.optionalText(input.merchant ?? null, `${at}merchant`, 200),
    expenseDate: input.date ?? check.today(),
    categoryId,
    categorySource: categoryId === null ? 'PENDING' : 'MANUAL',
  };
}

async function createAll(
  deps: ExpenseDeps,
  viewer: Viewer,
  inputs: readonly NewExpenseInput[],
  prefix: (i: number) => string,
): Promise<ExpenseRow[]> {
  const rows = inputs.map((input, i) => toNewExpense(input, viewer, prefix(i)));
  const categoryIds = rows.flatMap((row) => (row.categoryId == null ? [] : [row.categoryId]));
  if (categoryIds.length > 0) await requireOwnCategories(deps, viewer, categoryIds);
  // One statement: the rows (in the user's currency unless given), their suggestion jobs, the
  // dirty days and their rollup jobs.
  const created = await deps.uow.statement(async (db, changed) => {
    let inserted: ExpenseRow[];
    try {
      inserted = await insertExpensesWithJobs(db, viewer.id, rows, deps.rollupDebounceMs);
    } catch (error) {
      // A valid token of a user deleted since: nothing was written.
      if (violatedForeignKey(error)?.endsWith('_user_id_users_id_fk')) throw notFound('User');
      throw error;
    }
    if (inserted.length > 0) {
      changed.user(viewer.id);
      changed.jobs();
    }
    for (const row of inserted) {
      changed.event({
        type: 'expense',
        userId: viewer.id,
        kind: 'CREATED',
        expenseId: row.id,
        created: row,
      });
    }
    return inserted;
  });
  if (created.length === 0) throw notFound('User');
  return created;
}

export async function createExpense(
  deps: ExpenseDeps,
  viewer: Viewer,
  input: NewExpenseInput,
): Promise<ExpenseRow> {
  const [expense] = await createAll(deps, viewer, [input], () => '');
  if (!expense) throw new Error('insert returned no expense');
  return expense;
}

/** Creates all of `inputs` or, when any is invalid, none. */
export async function createExpenses(
  deps: ExpenseDeps,
  viewer: Viewer,
  inputs: readonly NewExpenseInput[],
): Promise<ExpenseRow[]> {
  if (inputs.length === 0) throw badInput('expenses must not be empty', 'expenses');
  if (inputs.length > MAX_BULK_EXPENSES) {
    throw badInput(`expenses may hold at most ${MAX_BULK_EXPENSES} items`, 'expenses');
  }
  return createAll(deps, viewer, inputs, (i) => `expenses[${i}].`);
}

export async function updateExpense(
  deps: ExpenseDeps,
  viewer: Viewer,
  input: ExpenseChangeInput,
): Promise<ExpenseRow> {
  const id = requireId(input.id, 'Expense', 'id');
  const patch: ExpensePatch = {};
  if (input.amount != null) patch.amount = check.positiveAmount(input.amount, 'amount');
  if (input.description != null) {
    patch.description = check.text(input.description, 'description', 500);
  }
  if (input.merchant !== undefined) {
    patch.merchant = check.optionalText(input.merchant, 'merchant', 200);
  }
  if (input.date != null) patch.expenseDate = input.date;
  if (input.categoryId === null) {
    patch.categoryId = null;
    patch.categorySource = 'UNCATEGORIZED';
  } else if (input.categoryId !== undefined) {
    patch.categoryId = requireId(input.categoryId, 'Category', 'categoryId');
    patch.categorySource = 'MANUAL';
    await requireOwnCategories(deps, viewer, [patch.categoryId]);
  }
  const expense = await deps.uow.transaction(async (tx, changed) => {
    const updated = await updateExpenseRow(tx, viewer.id, id, patch);
    if (!updated) return undefined;
    // The days before and after, as of the update itself.
    const days = [updated.previousDate, updated.row.expenseDate];
    await expensesChanged(tx, viewer.id, days, deps.rollupDebounceMs);
    changed.user(viewer.id);
    changed.jobs();
    changed.event({ type: 'expense', userId: viewer.id, kind: 'UPDATED', expenseId: id });
    return updated.row;
  });
  if (!expense) throw notFound('Expense');
  return expense;
}

/** Deletes one of the viewer's expenses; returns its id. */
export async function deleteExpense(
  deps: ExpenseDeps,
  viewer: Viewer,
  globalId: string,
): Promise<number> {
  const id = requireId(globalId, 'Expense', 'id');
  const deleted = await deps.uow.transaction(async (tx, changed) => {
    const row = await deleteExpenseRow(tx, viewer.id, id);
    if (!row) return undefined;
    await expensesChanged(tx, viewer.id, [row.expenseDate], deps.rollupDebounceMs);
    changed.user(viewer.id);
    changed.jobs();
    changed.event({ type: 'expense', userId: viewer.id, kind: 'DELETED', expenseId: id });
    return row;
  });
  if (!deleted) throw notFound('Expense');
  return id;
}
