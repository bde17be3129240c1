import { isUniqueViolation } from '../../db/errors.js';
import {
  deleteCategory,
  findCategoryNameClash,
  insertCategories,
  replaceKeywords,
  updateCategory,
} from '../../db/queries/categories.js';
import { uncategorizeExpenses } from '../../db/queries/expenses.js';
import type { CategoryRow } from '../../db/schema/categories.js';
import type { ExpenseRow } from '../../db/schema/expenses.js';
import { badInput, notFound } from '../../domain/errors.js';
import { requireId } from '../../domain/ids.js';
import * as check from '../../domain/validate.js';
import { expensesChanged } from '../../jobs/rollups.js';
import { loadReadable, readable, requireViewer } from '../access.js';
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

async function uniqueName(ctx: Context, userId: number, name: string, exceptId?: number) {
  if (await findCategoryNameClash(ctx.db, userId, name, exceptId)) {
    throw badInput(`You already have a category named "${name}"`, 'name');
  }
}

/** A lost race on the unique (user, lower(name)) index is the same bad input, not a 500. */
async function guardNameRace<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw badInput(`You already have a category named "${name}"`, 'name');
    }
    throw error;
  }
}

builder.mutationFields((t) => ({
  createCategory: t.field({
    type: CategoryPayload,
    args: { input: t.arg({ type: CreateCategoryInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = requireViewer(ctx);
      const name = check.text(input.name, 'name', 100);
      const color = check.color(input.color ?? null, 'color');
      const keywords = check.keywords(input.keywords ?? [], 'keywords');
      await uniqueName(ctx, viewer.id, name);
      const [category] = await guardNameRace(name, () =>
        ctx.db.transaction((tx) =>
          insertCategories(tx, [{ userId: viewer.id, name, color, keywords }]),
        ),
      );
      if (!category) throw new Error('insert returned no category');
      return { category };
    },
  }),
  updateCategory: t.field({
    type: CategoryPayload,
    args: { input: t.arg({ type: UpdateCategoryInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = requireViewer(ctx);
      const id = requireId(input.id, 'Category', 'id');
      const patch: { name?: string; color?: string | null } = {};
      if (input.name != null) patch.name = check.text(input.name, 'name', 100);
      if (input.color !== undefined) patch.color = check.color(input.color, 'color');
      const keywords = input.keywords == null ? null : check.keywords(input.keywords, 'keywords');
      const existing = readable(viewer, await ctx.loaders.categoryById.load(id), (c) => c.userId);
      if (!existing || existing.userId !== viewer.id) throw notFound('Category');
      if (patch.name !== undefined) await uniqueName(ctx, viewer.id, patch.name, id);
      const category = await guardNameRace(patch.name ?? existing.name, () =>
        ctx.db.transaction(async (tx) => {
          const row = await updateCategory(tx, viewer.id, id, patch);
          if (row && keywords) await replaceKeywords(tx, id, keywords);
          return row;
        }),
      );
      if (!category) throw notFound('Category');
      await ctx.invalidation.evictEntities([
        ['category', id],
        ['keywords', id],
      ]);
      ctx.loaders.categoryById.clear(id).prime(id, category);
      if (keywords) ctx.loaders.keywordsByCategory.clear(id).prime(id, keywords);
      return { category };
    },
  }),
  deleteCategory: t.field({
    type: DeletePayload,
    description: 'Deletes the category; its expenses stay, uncategorized.',
    args: { input: t.arg({ type: DeleteInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = requireViewer(ctx);
      const globalId = input.id;
      const id = requireId(globalId, 'Category', 'id');
      const deleted = await ctx.db.transaction(async (tx) => {
        const days = await uncategorizeExpenses(tx, viewer.id, id);
        const removed = await deleteCategory(tx, viewer.id, id);
        if (removed)
          await expensesChanged(tx, viewer.id, days, ctx.config.worker.metricsDebounceMs);
        return removed;
      });
      if (!deleted) throw notFound('Category');
      ctx.outbox.nudge();
      await ctx.invalidation.evictEntities([
        ['category', id],
        ['keywords', id],
      ]);
      return { deletedId: globalId };
    },
  }),
}));
