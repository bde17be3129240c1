/** recompute_yesterday (nightly, crontab): queues a rollup of yesterday for every active user. */
import { usersActiveOn } from '../../db/queries/daily-metrics.js';
import { expensesChanged } from '../../db/queries/rollups.js';
import { cliTask, defineTask } from '../define-task.js';

export const recomputeYesterdayTask = defineTask(
  'recompute_yesterday',
  async (_payload, { runtime, helpers }) => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const userIds = await usersActiveOn(runtime.db, yesterday);
    for (const userId of userIds) {
      await runtime.db.transaction((tx) => expensesChanged(tx, userId, [yesterday], 0));
    }
    runtime.outbox.nudge();
    helpers.logger.info(`queued rollups of ${yesterday} for ${userIds.length} users`);
    return { day: yesterday, users: userIds.length };
  },
);

export default cliTask(recomputeYesterdayTask);
