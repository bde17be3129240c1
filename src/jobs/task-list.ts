/** Every task the worker runs (each defined in tasks/<identifier>.ts). */
import type { TaskDefinition } from './define-task.js';
import type { TaskName } from './payloads.js';
import { exportExpensesTask } from './tasks/export_expenses.js';
import { parseChatMessageTask } from './tasks/parse_chat_message.js';
import { suggestCategoryTask } from './tasks/suggest_category.js';

export const taskDefinitions: readonly TaskDefinition<TaskName>[] = [
  suggestCategoryTask,
  parseChatMessageTask,
  exportExpensesTask,
];
