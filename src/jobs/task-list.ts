/** Every task the worker runs (each defined in tasks/<identifier>.ts). */

import type { TaskName } from '../domain/job-payloads.js';
import type { TaskDefinition } from './define-task.js';
import { exportExpensesTask } from './tasks/export_expenses.js';
import { parseChatMessageTask } from './tasks/parse_chat_message.js';
import { pruneJobsTask } from './tasks/prune_jobs.js';
import { recomputeYesterdayTask } from './tasks/recompute_yesterday.js';
import { rollupUserTask } from './tasks/rollup_user.js';
import { sendNotificationTask } from './tasks/send_notification.js';
import { suggestCategoryTask } from './tasks/suggest_category.js';
import { updateDailyMetricsTask } from './tasks/update_daily_metrics.js';

export const taskDefinitions: readonly TaskDefinition<TaskName>[] = [
  suggestCategoryTask,
  parseChatMessageTask,
  exportExpensesTask,
  updateDailyMetricsTask,
  rollupUserTask,
  sendNotificationTask,
  recomputeYesterdayTask,
  pruneJobsTask,
];
