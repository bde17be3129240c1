import type { CategorySpendRow } from '../../db/queries/reports.js';
import { builder } from '../builder.js';
import { CategoryRef } from '../refs.js';

export const CategorySpend = builder.objectRef<CategorySpendRow>('CategorySpend').implement({
  fields: (t) => ({
    category: t.field({
      type: CategoryRef,
      nullable: true,
      description: 'null for uncategorized expenses.',
      resolve: (row, _args, ctx) =>
        row.categoryId === null ? null : ctx.loaders.categoryById.load(row.categoryId),
    }),
    total: t.field({ type: 'Decimal', resolve: (row) => row.total }),
    count: t.exposeInt('count'),
  }),
});
