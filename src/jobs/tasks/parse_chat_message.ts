/**
 * parse_chat_message: turns a chat message into an expense (then queues its category
 * suggestion). Exactly once: the expense and the record of it commit together, and a retry
 * finds the record and returns the same expense.
 */
import { eq } from 'drizzle-orm';
import { insertExpensesWithJobs } from '../../db/queries/expense-inserts.js';
import { jobs } from '../../db/schema/jobs.js';
import { users } from '../../db/schema/users.js';
import { encodeGlobalId } from '../../domain/ids.js';
import { parseChatMessage } from '../chat-parser.js';
import { cliTask, defineTask, PermanentJobError } from '../define-task.js';

export const parseChatMessageTask = defineTask(
  'parse_chat_message',
  async ({ jobRecordId, userId, text }, { runtime }) => {
    const parsed = parseChatMessage(text);
    if (!parsed.ok) throw new PermanentJobError(parsed.reason);
    const { db } = runtime;
    const expenseId = await db.transaction(async (tx) => {
      const [record] = await tx
        .select({ result: jobs.result })
        .from(jobs)
        .where(eq(jobs.id, jobRecordId))
        .for('update');
      if (!record) throw new PermanentJobError('The job record no longer exists');
      const done = (record.result as { expenseDbId?: number } | null)?.expenseDbId;
      if (done) return done; // an earlier attempt created it
      const [user] = await tx
        .select({ currency: users.currency })
        .from(users)
        .where(eq(users.id, userId));
      if (!user) throw new PermanentJobError('The user no longer exists');
      const [expense] = await insertExpensesWithJobs(
        tx,
        userId,
        [
          {
            userId,
            amount: parsed.expense.amount,
            currency: parsed.expense.currency ?? user.currency,
            description: parsed.expense.description,
            merchant: parsed.expense.merchant,
            expenseDate: parsed.expense.date,
            categoryId: null,
            categorySource: 'PENDING',
          },
        ],
        runtime.config.worker.metricsDebounceMs,
      );
      if (!expense) throw new Error('insert returned no expense');
      await tx
        .update(jobs)
        .set({ result: { expenseDbId: expense.id } })
        .where(eq(jobs.id, jobRecordId));
      return expense.id;
    });
    runtime.outbox.nudge();
    await runtime.invalidation.userDataChanged(userId);
    return { expenseId: encodeGlobalId('Expense', expenseId), expenseDbId: expenseId };
  },
);

export default cliTask(parseChatMessageTask);
