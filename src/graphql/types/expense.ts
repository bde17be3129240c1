import type { ExpenseRow } from '../../db/schema/expenses.js';
import {
  createExpense,
  createExpenses,
  deleteExpense,
  type ExpenseDeps,
  MAX_BULK_EXPENSES,
  updateExpense,
} from '../../domain/expenses/commands.js';
import { categoriesById, loadReadable, requireViewer } from '../access.js';
import { builder } from '../builder.js';
import { countedConnection } from '../connections.js';
import type { Context } from '../context.js';
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

/** A command's dependencies, from this request's context. */
const expenseDeps = (ctx: Context): ExpenseDeps => ({
  uow: ctx.uow,
  categories: categoriesById(ctx),
  rollupDebounceMs: ctx.config.worker.metricsDebounceMs,
});

builder.mutationFields((t) => ({
  createExpense: t.field({
    type: ExpensePayload,
    args: { input: t.arg({ type: CreateExpenseInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const expense = await createExpense(expenseDeps(ctx), requireViewer(ctx), input);
      ctx.loaders.expenseById.prime(expense.id, expense);
      return { expense };
    },
  }),
  createExpenses: t.field({
    type: CreateExpensesPayload,
    description: `Creates up to ${MAX_BULK_EXPENSES} expenses at once; any bad row rejects them all.`,
    args: { input: t.arg({ type: CreateExpensesInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const expenses = await createExpenses(expenseDeps(ctx), requireViewer(ctx), input.expenses);
      for (const row of expenses) ctx.loaders.expenseById.prime(row.id, row);
      return { expenses };
    },
  }),
  updateExpense: t.field({
    type: ExpensePayload,
    args: { input: t.arg({ type: UpdateExpenseInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const expense = await updateExpense(expenseDeps(ctx), requireViewer(ctx), input);
      ctx.loaders.expenseById.clear(expense.id).prime(expense.id, expense);
      return { expense };
    },
  }),
  deleteExpense: t.field({
    type: DeletePayload,
    args: { input: t.arg({ type: DeleteInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = await deleteExpense(expenseDeps(ctx), requireViewer(ctx), input.id);
      ctx.loaders.expenseById.clear(id);
      return { deletedId: input.id };
    },
  }),
}));
