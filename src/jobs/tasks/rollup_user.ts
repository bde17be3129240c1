/**
 * rollup_user: builds the whole daily_metrics rollup of a user whose expenses arrived in bulk
 * (the seed's COPY), then marks them covered; until then their reads are computed live.
 */
import { rollUpUser } from '../../db/queries/daily-metrics.js';
import { cliTask, defineTask } from '../define-task.js';

export const rollupUserTask = defineTask('rollup_user', async ({ userId }, { runtime }) => {
  await runtime.db.transaction((tx) => rollUpUser(tx, userId));
  return { userId };
});

export default cliTask(rollupUserTask);
