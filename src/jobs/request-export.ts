/** Records an export and its job, and queues it, in one transaction. */
import type { RequestDb } from '../db/client.js';
import { insertExport } from '../db/queries/exports.js';
import { insertJobRecord } from '../db/queries/jobs.js';
import type { ExportRow } from '../db/schema/exports.js';
import { enqueue } from './enqueue.js';

export function requestExport(
  db: RequestDb,
  userId: number,
  request: { format: 'CSV' | 'JSON'; from: string | null; to: string | null },
): Promise<ExportRow> {
  return db.transaction(async (tx) => {
    const record = await insertJobRecord(tx, userId, 'export_expenses');
    const created = await insertExport(tx, {
      userId,
      jobId: record.id,
      format: request.format,
      fromDate: request.from,
      toDate: request.to,
    });
    await enqueue(tx, [
      {
        task: 'export_expenses',
        payload: { jobRecordId: record.id, userId, exportId: created.id },
      },
    ]);
    return created;
  });
}
