/**
 * parse_chat_message: turns a chat message into an expense (then queues its category
 * suggestion), exactly once (domain/chat/commands.ts `expenseFromMessage`).
 */
import { expenseFromMessage } from '../../domain/chat/commands.js';
import { AppError } from '../../domain/errors.js';
import { encodeGlobalId } from '../../domain/ids.js';
import { cliTask, defineTask, PermanentJobError } from '../define-task.js';

export const parseChatMessageTask = defineTask('parse_chat_message', async (job, { runtime }) => {
  let expenseId: number;
  try {
    expenseId = await expenseFromMessage(
      { uow: runtime.uow(), rollupDebounceMs: runtime.config.worker.metricsDebounceMs },
      job,
    );
  } catch (error) {
    // No expense in the message, or its job or user gone: retrying cannot help.
    if (error instanceof AppError) throw new PermanentJobError(error.message);
    throw error;
  }
  return { expenseId: encodeGlobalId('Expense', expenseId), expenseDbId: expenseId };
});

export default cliTask(parseChatMessageTask);
