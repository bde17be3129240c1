/**
 * export_expenses: writes a user's expenses in a date range as CSV or JSON, 1,000 rows at a time
 * (keyset-paged from Postgres, each batch stored as one chunk: never the whole set in memory),
 * with the job's progress counting rows out of the rows in range. A retry starts the file over.
 */
import {
  appendExportChunk,
  clearExportChunks,
  countExpenseExportRows,
  type ExpenseExportRow,
  expenseExportBatch,
  findExportsByIds,
  finishExport,
} from '../../db/queries/exports.js';
import { enqueue } from '../../db/queries/job-queue.js';
import { findNotificationSettings } from '../../db/queries/users.js';
import { encodeGlobalId } from '../../domain/ids.js';
import { cliTask, defineTask, PermanentJobError } from '../define-task.js';
import { csvHeader, csvRows, jsonRows } from '../export-format.js';

export const EXPORT_BATCH_SIZE = 1000;

export const exportExpensesTask = defineTask(
  'export_expenses',
  async ({ userId, exportId }, { runtime, progress }) => {
    const { db } = runtime;
    const [job] = await findExportsByIds(db, [exportId]);
    if (!job || job.userId !== userId) throw new PermanentJobError('The export no longer exists');
    await clearExportChunks(db, exportId);
    let seq = 0;
    const write = (text: string) =>
      appendExportChunk(db, exportId, seq++, Buffer.from(text, 'utf8'));
    if (job.format === 'CSV') await write(csvHeader());
    // The rows in all, so a client can show a percentage (writes meanwhile may move it a little:
    // the batches read the rows as they are then).
    const range = { from: job.fromDate, to: job.toDate };
    await progress(0, await countExpenseExportRows(db, userId, range));

    let after: { date: string; id: number } | null = null;
    let rowCount = 0;
    for (;;) {
      const batch = await expenseExportBatch(db, userId, range, after, EXPORT_BATCH_SIZE);
      if (batch.length === 0) break;
      const records = batch.map(({ dbId, ...record }) => ({
        ...record,
        id: encodeGlobalId('Expense', dbId),
      }));
      await write(job.format === 'CSV' ? csvRows(records) : jsonRows(records, rowCount === 0));
      rowCount += batch.length;
      await progress(rowCount);
      const last = batch.at(-1) as ExpenseExportRow;
      after = { date: last.date, id: last.dbId };
      if (batch.length < EXPORT_BATCH_SIZE) break;
    }
    if (job.format === 'JSON') await write(rowCount === 0 ? '[]' : '\n]');
    // Done is all: the total is what was written.
    await progress(rowCount, rowCount);
    await finishExport(db, exportId, rowCount);

    const owner = await findNotificationSettings(db, userId);
    if (owner?.webhook) {
      await enqueue(db, [
        {
          task: 'send_notification',
          payload: {
            userId,
            event: 'export_ready',
            data: { exportId: encodeGlobalId('Export', exportId), rowCount },
          },
          jobKey: `send_notification:export_ready:${exportId}`,
        },
      ]);
    }
    return { exportId: encodeGlobalId('Export', exportId), rowCount };
  },
);

export default cliTask(exportExpensesTask);
