/**
 * update_daily_metrics: recomputes one user's day in the rollup, then checks the month against
 * the user's budget (a crossing queues one notification per month).
 */
import { monthTotal, recordBudgetAlert, rollUpDay } from '../../db/queries/daily-metrics.js';
import { enqueue } from '../../db/queries/job-queue.js';
import { findNotificationSettings } from '../../db/queries/users.js';
import { compareDecimal } from '../../domain/money.js';
import { cliTask, defineTask } from '../define-task.js';

export const updateDailyMetricsTask = defineTask(
  'update_daily_metrics',
  async ({ userId, day }, { runtime }) => {
    const { db } = runtime;
    // Another rollup of the day may have covered this job's changes already.
    const recomputed = await db.transaction((tx) => rollUpDay(tx, userId, day));
    if (!recomputed) return { recomputed: false };
    const user = await findNotificationSettings(db, userId);
    if (!user?.budget || !user.webhook) return { budgetChecked: false };
    const total = await monthTotal(db, userId, day);
    if (compareDecimal(total, user.budget) <= 0) return { budgetChecked: true };
    const month = day.slice(0, 7);
    // One alert per user and month, however many rollups see the month over budget.
    const fresh = await recordBudgetAlert(db, userId, month);
    if (fresh) {
      await enqueue(db, [
        {
          task: 'send_notification',
          payload: {
            userId,
            event: 'budget_exceeded',
            data: { month, total, budget: user.budget },
          },
          jobKey: `send_notification:budget:${userId}:${month}`,
        },
      ]);
    }
    return { budgetChecked: true };
  },
);

export default cliTask(updateDailyMetricsTask);
