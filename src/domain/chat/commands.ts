/** A chat message ("lunch 12.50 at Cafe Rio yesterday") becomes a job that makes the expense. */
import type { Viewer } from '../../auth/viewer.js';
import type { Executor } from '../../db/client.js';
import { enqueue } from '../../db/queries/job-queue.js';
import { insertJobRecord } from '../../db/queries/jobs.js';
import type { JobRow } from '../../db/schema/jobs.js';
import type { UnitOfWork } from '../unit-of-work.js';
import * as check from '../validate.js';

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
