/** suggest_category: files an expense created without a category (domain/expenses/suggestions.ts). */
import { suggestExpenseCategory } from '../../domain/expenses/suggestions.js';
import { createLoaders } from '../../loaders/create-loaders.js';
import { cliTask, defineTask } from '../define-task.js';

export const suggestCategoryTask = defineTask(
  'suggest_category',
  async ({ expenseId }, { runtime }) => {
    // Keywords come through the entity cache when caching is on.
    const loaders = createLoaders(runtime.sql, runtime.db, {
      batch: true,
      ...(runtime.entities ? { entities: runtime.entities } : {}),
    });
    return suggestExpenseCategory(
      {
        uow: runtime.uow(),
        db: runtime.db,
        keywords: async (ids) =>
          (await loaders.keywordsByCategory.loadMany(ids)).map((k) =>
            k instanceof Error ? [] : k,
          ),
        rollupDebounceMs: runtime.config.worker.metricsDebounceMs,
      },
      expenseId,
    );
  },
);

export default cliTask(suggestCategoryTask);
