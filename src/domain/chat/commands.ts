/**
 * A chat message ("lunch 12.50 at Cafe Rio yesterday") becomes a job, and the job the expense
 * the message describes.
 */
import type { Viewer } from '../../auth/viewer.js';
import type { Executor } from '../../db/client.js';
import { insertExpensesWithJobs } from '../../db/queries/expense-inserts.js';
import { enqueue } from '../../db/queries/job-queue.js';
import { insertJobRecord, lockJobResult, setJobResult } from '../../db/queries/jobs.js';
import { findUserCurrency } from '../../db/queries/users.js';
import type { JobRow } from '../../db/schema/jobs.js';
import { badInput, notFound } from '../errors.js';
import type { UnitOfWork } from '../unit-of-work.js';
import * as check from '../validate.js';
import { parseChatMessage } from './parser.js';

export const MAX_CHAT_MESSAGE_LENGTH = 2000;

export interface ChatDeps {
  readonly uow: UnitOfWork<Executor>;
}

/**
 * Records the message as a job of the user's and queues its parsing, in one transaction. Jobs
 * are never served from the cache; the expense the job makes invalidates what it changes.
 */
export async function submitChatMessage(
  deps: ChatDeps,
  viewer: Viewer,
  message: string,
): Promise<JobRow> {
  const text = check.text(message, 'text', MAX_CHAT_MESSAGE_LENGTH);
  return deps.uow.transaction(async (tx) => {
    const record = await insertJobRecord(tx, viewer.id, 'parse_chat_message');
    await enqueue(tx, [
      { task: 'parse_chat_message', payload: { jobRecordId: record.id, userId: viewer.id, text } },
    ]);
    return record;
  });
}

export interface ChatExpenseDeps {
  readonly uow: UnitOfWork<Executor>;
  /** How long a day's rollup waits for more changes to the same day. */
  readonly rollupDebounceMs: number;
}

/**
 * Makes the expense a chat message describes, exactly once: the expense and the job record's
 * note of it commit together, and a retry finds the note and returns the same expense. A
 * message that says no expense, or a job or user gone since, is refused (an AppError: retrying
 * cannot help).
 */
export async function expenseFromMessage(
  deps: ChatExpenseDeps,
  job: { readonly jobRecordId: number; readonly userId: number; readonly text: string },
): Promise<number> {
  return deps.uow.transaction(async (tx, changed) => {
    const done = await lockJobResult(tx, job.jobRecordId);
    if (done === undefined) throw notFound('Job');
    const previous = (done as { expenseDbId?: number } | null)?.expenseDbId;
    if (previous) return previous; // an earlier attempt created it
    const currency = await findUserCurrency(tx, job.userId);
    if (currency === undefined) throw notFound('User');
    // "3/4" is March 4 to those who pay in dollars, 3 April to most others.
    const parsed = parseChatMessage(job.text, new Date(), { dayFirst: currency !== 'USD' });
    if (!parsed.ok) throw badInput(parsed.reason, 'text');
    const [expense] = await insertExpensesWithJobs(
      tx,
      job.userId,
      [
        {
          userId: job.userId,
          amount: parsed.expense.amount,
          currency: parsed.expense.currency ?? currency,
          description: parsed.expense.description,
          merchant: parsed.expense.merchant,
          expenseDate: parsed.expense.date,
          categoryId: null,
          categorySource: 'PENDING',
        },
      ],
      deps.rollupDebounceMs,
    );
    if (!expense) throw new Error('insert returned no expense');
    await setJobResult(tx, job.jobRecordId, { expenseDbId: expense.id });
    changed.user(job.userId);
    changed.jobs();
    changed.event({
      type: 'expense',
      userId: job.userId,
      kind: 'CREATED',
      expenseId: expense.id,
      created: expense,
    });
    return expense.id;
  });
}
