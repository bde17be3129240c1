import { violatedForeignKey } from '../../db/errors.js';
import {
  deleteExpense,
  type ExpensePatch,
  type NewExpense,
  updateExpense,
} from '../../db/queries/expenses.js';
import type { ExpenseRow } from '../../db/schema/expenses.js';
import { badInput, notFound } from '../../domain/errors.js';
import { requireId } from '../../domain/ids.js';
import * as check from '../../domain/validate.js';
import { insertExpensesWithJobs } from '../../jobs/expense-inserts.js';
import { expensesChanged } from '../../jobs/rollups.js';
import { loadReadable, requireViewer } from '../access.js';
import { builder } from '../builder.js';
import { countedConnection } from '../connections.js';
import type { Context, Viewer } from '../context.js';
import { CategoryRef, ExpenseRef, UserRef } from '../refs.js';
import { userForSelection } from '../user-row.js';
import { CategorySourceEnum } from './category-source.js';
import { DeleteInput, DeletePayload } from './delete-payload.js';

builder.node(ExpenseRef, {
  id: { resolve: (expense) => expense.id },
  loadMany: (ids, ctx) =>
    loadReadable(ctx, 'Expense', ctx.loaders.expenseById, ids, (e) => e.userId),
  fields: (t) => ({
    amount: t.field({ type: 'Decimal', resolve: (expense) => expense.amount }),
    currency: t.exposeString('currency'),
    description: t.exposeString('description'),
    merchant: t.exposeString('merchant', { nullable: true }),
    date: t.field({ type: 'Date', resolve: (expense) => expense.expenseDate }),
    createdAt: t.field({ type: 'DateTime', resolve: (expense) => expense.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (expense) => expense.updatedAt }),
    category: t.field({
      type: CategoryRef,
      nullable: true,
      resolve: (expense, _args, ctx) =>
        expense.categoryId === null ? null : ctx.loaders.categoryById.load(expense.categoryId),
    }),
    categorySource: t.field({
      type: CategorySourceEnum,
      resolve: (expense) => expense.categorySource,
    }),
    user: t.field({
      type: UserRef,
      resolve: async (expense, _args, ctx, info) => {
        // The foreign key holds the id; the row is read only for its columns.
        const user = await userForSelection(ctx, expense.userId, info);
        if (!user) throw new Error(`expense ${expense.id} has no user`);
        return user;
      },
    }),
  }),
});

export const ExpenseConnection = countedConnection(ExpenseRef, 'ExpenseConnection');

const ExpensePayload = builder.objectRef<{ expense: ExpenseRow }>('ExpensePayload').implement({
  fields: (t) => ({
    expense: t.field({ type: ExpenseRef, resolve: (payload) => payload.expense }),
  }),
});

const CreateExpensesPayload = builder
  .objectRef<{ expenses: ExpenseRow[] }>('CreateExpensesPayload')
  .implement({
    fields: (t) => ({
      count: t.int({ resolve: (payload) => payload.expenses.length }),
      expenses: t.field({ type: [ExpenseRef], resolve: (payload) => payload.expenses }),
    }),
  });

const CreateExpenseInput = builder.inputType('CreateExpenseInput', {
  fields: (t) => ({
    amount: t.field({ type: 'Decimal', required: true }),
    description: t.string({ required: true }),
    currency: t.string({ description: "ISO 4217; defaults to the user's currency." }),
    merchant: t.string(),
    date: t.field({ type: 'Date', description: 'Defaults to today (UTC).' }),
    categoryId: t.id({ description: 'Without it the expense is PENDING a category suggestion.' }),
  }),
});

const CreateExpensesInput = builder.inputType('CreateExpensesInput', {
  fields: (t) => ({ expenses: t.field({ type: [CreateExpenseInput], required: true }) }),
});

const UpdateExpenseInput = builder.inputType('UpdateExpenseInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    amount: t.field({ type: 'Decimal' }),
    description: t.string(),
    merchant: t.string({ description: 'null clears the merchant.' }),
    date: t.field({ type: 'Date' }),
    categoryId: t.id({ description: 'null removes the category.' }),
  }),
});

export const MAX_BULK_EXPENSES = 1000;

const debounce = (ctx: Context) => ctx.config.worker.metricsDebounceMs;

type CreateInput = typeof CreateExpenseInput.$inferInput;

/** Checks the viewer owns every referenced category, with one batched load. */
async function requireOwnCategories(ctx: Context, viewer: Viewer, ids: readonly number[]) {
  const rows = await ctx.loaders.categoryById.loadMany([...new Set(ids)]);
  const owned = new Set<number>();
  for (const row of rows) {
    if (row instanceof Error) throw row;
    if (row && row.userId === viewer.id) owned.add(row.id);
  }
  for (const id of ids) if (!owned.has(id)) throw notFound('Category');
}

/** Validates one input into a row; `at` prefixes field names in errors (e.g. "expenses[3]."). */
function toNewExpense(input: CreateInput, viewer: Viewer, at: string): NewExpense {
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
  ctx: Context,
  inputs: readonly CreateInput[],
  prefix: (i: number) => string,
) {
  const viewer = requireViewer(ctx);
  const rows = inputs.map((input, i) => toNewExpense(input, viewer, prefix(i)));
  const categoryIds = rows.flatMap((row) => (row.categoryId == null ? [] : [row.categoryId]));
  if (categoryIds.length > 0) await requireOwnCategories(ctx, viewer, categoryIds);
  // One statement: the rows (in the user's currency unless given), their suggestion jobs, the
  // dirty days and their rollup jobs.
  let created: ExpenseRow[];
  try {
    created = await insertExpensesWithJobs(ctx.db, viewer.id, rows, debounce(ctx));
  } catch (error) {
    // A valid token of a user deleted since: nothing was written.
    if (violatedForeignKey(error)?.endsWith('_user_id_users_id_fk')) throw notFound('User');
    throw error;
  }
  if (created.length === 0) throw notFound('User');
  ctx.outbox.nudge();
  for (const row of created) ctx.loaders.expenseById.prime(row.id, row);
  return created;
}

builder.mutationFields((t) => ({
  createExpense: t.field({
    type: ExpensePayload,
    args: { input: t.arg({ type: CreateExpenseInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const [expense] = await createAll(ctx, [input], () => '');
      if (!expense) throw new Error('insert returned no expense');
      return { expense };
    },
  }),
  createExpenses: t.field({
    type: CreateExpensesPayload,
    description: `Creates up to ${MAX_BULK_EXPENSES} expenses at once; any bad row rejects them all.`,
    args: { input: t.arg({ type: CreateExpensesInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      if (input.expenses.length === 0) throw badInput('expenses must not be empty', 'expenses');
      if (input.expenses.length > MAX_BULK_EXPENSES) {
        throw badInput(`expenses may hold at most ${MAX_BULK_EXPENSES} items`, 'expenses');
      }
      return { expenses: await createAll(ctx, input.expenses, (i) => `expenses[${i}].`) };
    },
  }),
  updateExpense: t.field({
    type: ExpensePayload,
    args: { input: t.arg({ type: UpdateExpenseInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = requireViewer(ctx);
      const id = requireId(input.id, 'Expense', 'id');
      const patch: ExpensePatch = {};
      if (input.amount != null) patch.amount = check.positiveAmount(input.amount, 'amount');
      if (input.description != null)
        patch.description = check.text(input.description, 'description', 500);
      if (input.merchant !== undefined)
        patch.merchant = check.optionalText(input.merchant, 'merchant', 200);
      if (input.date != null) patch.expenseDate = input.date;
      if (input.categoryId === null) {
        patch.categoryId = null;
        patch.categorySource = 'UNCATEGORIZED';
      } else if (input.categoryId !== undefined) {
        patch.categoryId = requireId(input.categoryId, 'Category', 'categoryId');
        patch.categorySource = 'MANUAL';
        await requireOwnCategories(ctx, viewer, [patch.categoryId]);
      }
      const expense = await ctx.db.transaction(async (tx) => {
        const updated = await updateExpense(tx, viewer.id, id, patch);
        if (!updated) return undefined;
        // The days before and after, as of the update itself.
        const days = [updated.previousDate, updated.row.expenseDate];
        await expensesChanged(tx, viewer.id, days, debounce(ctx));
        return updated.row;
      });
      if (!expense) throw notFound('Expense');
      ctx.outbox.nudge();
      ctx.loaders.expenseById.clear(id).prime(id, expense);
      return { expense };
    },
  }),
  deleteExpense: t.field({
    type: DeletePayload,
    args: { input: t.arg({ type: DeleteInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = requireViewer(ctx);
      const id = requireId(input.id, 'Expense', 'id');
      const deleted = await ctx.db.transaction(async (tx) => {
        const row = await deleteExpense(tx, viewer.id, id);
        if (row) await expensesChanged(tx, viewer.id, [row.expenseDate], debounce(ctx));
        return row;
      });
      if (!deleted) throw notFound('Expense');
      ctx.outbox.nudge();
      ctx.loaders.expenseById.clear(id);
      return { deletedId: input.id };
    },
  }),
}));
