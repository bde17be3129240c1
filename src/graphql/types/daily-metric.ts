import { type DailyMetricRow, dailyMetrics } from '../../db/queries/reports.js';
import { dateRange } from '../../domain/validate.js';
import { builder } from '../builder.js';
import { UserRef } from '../refs.js';

export const MAX_METRIC_DAYS = 366;

const DailyMetric = builder.objectRef<DailyMetricRow>('DailyMetric').implement({
  fields: (t) => ({
    date: t.field({ type: 'Date', resolve: (row) => row.date }),
    total: t.field({ type: 'Decimal', resolve: (row) => row.total }),
    count: t.exposeInt('count'),
  }),
});

builder.objectField(UserRef, 'dailyMetrics', (t) =>
  t.field({
    type: [DailyMetric],
    description: `One entry per day from from to to (at most ${MAX_METRIC_DAYS} days), zero-filled.`,
    args: {
      from: t.arg({ type: 'Date', required: true }),
      to: t.arg({ type: 'Date', required: true }),
    },
    resolve: (user, { from, to }, ctx) => {
      dateRange(from, to, MAX_METRIC_DAYS);
      return dailyMetrics(ctx.sql, user.id, from, to);
    },
  }),
);
