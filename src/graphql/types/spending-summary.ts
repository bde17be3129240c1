import { type SpendingSummaryRow, spendingSummary } from '../../db/queries/reports.js';
import { dateRange } from '../../domain/validate.js';
import { builder } from '../builder.js';
import { UserRef } from '../refs.js';
import { selects } from '../selection.js';
import { CategorySpend } from './category-spend.js';

const SpendingSummary = builder.objectRef<SpendingSummaryRow>('SpendingSummary').implement({
  fields: (t) => ({
    total: t.field({ type: 'Decimal', resolve: (row) => row.total }),
    count: t.exposeInt('count'),
    byCategory: t.field({
      type: [CategorySpend],
      description: 'Largest first; uncategorized spending has category null.',
      resolve: (row) => row.byCategory,
    }),
  }),
});

builder.objectField(UserRef, 'summary', (t) =>
  t.field({
    type: SpendingSummary,
    description: 'Spending between from and to, inclusive, aggregated in the database.',
    args: {
      from: t.arg({ type: 'Date', required: true }),
      to: t.arg({ type: 'Date', required: true }),
    },
    resolve: async (user, { from, to }, ctx, info) => {
      dateRange(from, to);
      // The summary statement brings the categories along when the selection shows them.
      const withCategories = selects(info, 'byCategory.category');
      const summary = await spendingSummary(ctx.sql, user.id, from, to, { withCategories });
      for (const [id, category] of summary.categories) ctx.loaders.categoryById.prime(id, category);
      return summary;
    },
  }),
);
