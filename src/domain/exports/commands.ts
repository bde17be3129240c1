/** A user asks for an export of their expenses: a job record, the export row and its job. */
import type { Viewer } from '../../auth/viewer.js';
import type { Executor } from '../../db/client.js';
import { insertExport } from '../../db/queries/exports.js';
import { enqueue } from '../../db/queries/job-queue.js';
import { insertJobRecord } from '../../db/queries/jobs.js';
import type { ExportRow } from '../../db/schema/exports.js';
import type { UnitOfWork } from '../unit-of-work.js';
import * as check from '../validate.js';

export interface ExportDeps {
  readonly uow: UnitOfWork<Executor>;
}

export interface ExportRequest {
  readonly format: 'CSV' | 'JSON';
  /** Inclusive dates; either may be left open. */
  readonly from?: string | null;
  readonly to?: string | null;
}

/**
 * Records the export and its job and queues it, in one transaction. Exports and jobs are never
 * served from the cache (they change while clients poll them), so nothing cached changed.
 */
export async function requestExport(
  deps: ExportDeps,
  viewer: Viewer,
  request: ExportRequest,
): Promise<ExportRow> {
  if (request.from && request.to) check.dateRange(request.from, request.to);
  return deps.uow.transaction(async (tx) => {
    const record = await insertJobRecord(tx, viewer.id, 'export_expenses');
    const created = await insertExport(tx, {
      userId: viewer.id,
      jobId: record.id,
      format: request.format,
      fromDate: request.from ?? null,
      toDate: request.to ?? null,
    });
    await enqueue(tx, [
      {
        task: 'export_expenses',
        payload: { jobRecordId: record.id, userId: viewer.id, exportId: created.id },
      },
    ]);
    return created;
  });
}
