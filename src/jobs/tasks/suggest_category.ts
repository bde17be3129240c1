/** suggest_category: picks a category for an expense created without one (see ../suggest.ts). */
import { and, eq, sql } from 'drizzle-orm';
import { expensesChanged } from '../../db/queries/rollups.js';
import { categories } from '../../db/schema/categories.js';
import { expenses } from '../../db/schema/expenses.js';
import { createLoaders } from '../../loaders/create-loaders.js';
import { cliTask, defineTask } from '../define-task.js';
import { suggestCategory as pick } from '../suggest.js';

export const suggestCategoryTask = defineTask(
  'suggest_category',
  async ({ expenseId }, { runtime }) => {
    const { db } = runtime;
    const [expense] = await db.select().from(expenses).where(eq(expenses.id, expenseId));
    // Deleted, or categorized by hand meanwhile: nothing to suggest.
    if (expense?.categorySource !== 'PENDING') return { skipped: true };
    const owned = await db
      .select({ id: categories.id })
      .from(categories)
      .where(eq(categories.userId, expense.userId));
    // Keywords come through the entity cache when caching is on.
    const loaders = createLoaders(runtime.sql, db, {
      batch: true,
      ...(runtime.entities ? { entities: runtime.entities } : {}),
    });
    const keywords = await loaders.keywordsByCategory.loadMany(owned.map((c) => c.id));
    const categoryId = pick(
      `${expense.description} ${expense.merchant ?? ''}`,
      owned.map((c, i) => ({
        id: c.id,
        keywords: keywords[i] instanceof Error ? [] : (keywords[i] as string[]),
      })),
    );
    const updated = await db.transaction(async (tx) => {
      const rows = await tx
        .update(expenses)
        .set({
          categoryId,
          categorySource: categoryId ? 'SUGGESTED' : 'UNCATEGORIZED',
          updatedAt: sql`now()`,
        })
        .where(and(eq(expenses.id, expenseId), eq(expenses.categorySource, 'PENDING')))
        .returning({ id: expenses.id });
      // A category moves the amount between rollup rows of that day.
      if (rows.length > 0 && categoryId) {
        const debounce = runtime.config.worker.metricsDebounceMs;
        await expensesChanged(tx, expense.userId, [expense.expenseDate], debounce);
      }
      return rows;
    });
    if (updated.length > 0) {
      runtime.outbox.nudge();
      await runtime.invalidation.userDataChanged(expense.userId);
    }
    return { categoryId };
  },
);

export default cliTask(suggestCategoryTask);
