import type { CategoryRow } from '../../db/schema/categories.js';
import type { ExpenseRow } from '../../db/schema/expenses.js';
import {
  type CategoryDeps,
  createCategory,
  deleteCategory,
  updateCategory,
} from '../../domain/categories/commands.js';
import * as check from '../../domain/validate.js';
import { categoriesById, loadReadable, requireViewer } from '../access.js';
import { builder } from '../builder.js';
import { countedConnection } from '../connections.js';
import type { Context } from '../context.js';
import { nestedExpenses, resolveExpenseList } from '../expense-list.js';
import { planConnection, planned } from '../nested-connections.js';
import { connectionComplexity } from '../pagination.js';
import { CategoryRef, ExpenseRef, UserRef } from '../refs.js';
import { DeleteInput, DeletePayload } from './delete-payload.js';
import { ExpenseConnection } from './expense.js';
import { ExpenseFilterInput } from './expense-filter.js';
import { ExpenseOrderEnum } from './expense-order.js';

builder.node(CategoryRef, {
  id: { resolve: (category) => category.id },
  loadMany: (ids, ctx) =>
    loadReadable(ctx, 'Category', ctx.loaders.categoryById, ids, (c) => c.userId),
  fields: (t) => ({
    name: t.exposeString('name'),
    color: t.exposeString('color', { nullable: true }),
    keywords: t.stringList({
      resolve: (category, _args, ctx) => ctx.loaders.keywordsByCategory.load(category.id),
    }),
    user: t.field({
      type: UserRef,
      resolve: async (category, _args, ctx) => {
        const user = await ctx.loaders.userById.load(category.userId);
        if (!user) throw new Error(`category ${category.id} has no user`);
        return user;
      },
    }),
    expenses: t.connection(
      {
        type: ExpenseRef,
        complexity: connectionComplexity,
        args: {
          filter: t.arg({ type: ExpenseFilterInput }),
          orderBy: t.arg({ type: ExpenseOrderEnum, defaultValue: 'DATE_DESC' }),
        },
        resolve: (category, args, ctx, info) =>
          planned<ExpenseRow>(ctx, category, info) ??
          resolveExpenseList(ctx, 'category', category.id, args, info),
      },
      ExpenseConnection,
    ),
    expenseCount: t.int({
      resolve: (category, _args, ctx) =>
        ctx.loaders.expenseCountByOwner.load({
          ownerId: category.id,
          owner: 'category',
          filter: {},
        }),
    }),
    totalSpent: t.field({
      type: 'Decimal',
      args: { from: t.arg({ type: 'Date' }), to: t.arg({ type: 'Date' }) },
      resolve: (category, { from, to }, ctx) => {
        if (from && to) check.dateRange(from, to);
        return ctx.loaders.totalSpentByCategory.load({
          ownerId: category.id,
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
        });
      },
    }),
  }),
});

planConnection('Category', 'expenses', nestedExpenses('category'));

export const CategoryConnection = countedConnection(CategoryRef, 'CategoryConnection');

const CategoryPayload = builder.objectRef<{ category: CategoryRow }>('CategoryPayload').implement({
  fields: (t) => ({
    category: t.field({ type: CategoryRef, resolve: (payload) => payload.category }),
  }),
});

const CreateCategoryInput = builder.inputType('CreateCategoryInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    color: t.string({ description: 'A hex color such as "#1a2b3c".' }),
    keywords: t.stringList({ description: 'Words that suggest this category for an expense.' }),
  }),
});

const UpdateCategoryInput = builder.inputType('UpdateCategoryInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    color: t.string({ description: 'null clears the color.' }),
    keywords: t.stringList({ description: 'Replaces all keywords when given.' }),
  }),
});

/** A command's dependencies, from this request's context. */
const categoryDeps = (ctx: Context): CategoryDeps => ({
  uow: ctx.uow,
  db: ctx.db,
  categories: categoriesById(ctx),
  rollupDebounceMs: ctx.config.worker.metricsDebounceMs,
});

builder.mutationFields((t) => ({
  createCategory: t.field({
    type: CategoryPayload,
    args: { input: t.arg({ type: CreateCategoryInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const category = await createCategory(categoryDeps(ctx), requireViewer(ctx), input);
      ctx.loaders.categoryById.prime(category.id, category);
      return { category };
    },
  }),
  updateCategory: t.field({
    type: CategoryPayload,
    args: { input: t.arg({ type: UpdateCategoryInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { category, keywords } = await updateCategory(
        categoryDeps(ctx),
        requireViewer(ctx),
        input,
      );
      ctx.loaders.categoryById.clear(category.id).prime(category.id, category);
      if (keywords) ctx.loaders.keywordsByCategory.clear(category.id).prime(category.id, keywords);
      return { category };
    },
  }),
  deleteCategory: t.field({
    type: DeletePayload,
    description: 'Deletes the category; its expenses stay, uncategorized.',
    args: { input: t.arg({ type: DeleteInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = await deleteCategory(categoryDeps(ctx), requireViewer(ctx), input.id);
      ctx.loaders.categoryById.clear(id);
      return { deletedId: input.id };
    },
  }),
}));
