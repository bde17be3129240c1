/** Records a chat message as a job of the user's and queues its parsing, in one transaction. */
import type { RequestDb } from '../db/client.js';
import { insertJobRecord } from '../db/queries/jobs.js';
import type { JobRow } from '../db/schema/jobs.js';
import { enqueue } from './enqueue.js';

export const MAX_CHAT_MESSAGE_LENGTH = 2000;

export function submitChatMessage(db: RequestDb, userId: number, text: string): Promise<JobRow> {
  return db.transaction(async (tx) => {
    const record = await insertJobRecord(tx, userId, 'parse_chat_message');
    await enqueue(tx, [
      { task: 'parse_chat_message', payload: { jobRecordId: record.id, userId, text } },
    ]);
    return record;
  });
}
