import { asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { type ExportRow, exportChunks, exports } from '../schema/exports.js';
import {
  anyId,
  type KeysetWindow,
  keysetCondition,
  keysetOrderBy,
  type SortKey,
} from './keyset.js';

const newestFirst: SortKey = {
  column: sql`x.id`,
  id: sql`x.id`,
  direction: 'desc',
  cast: 'bigint',
};

export async function insertExport(
  db: Executor,
  row: Pick<ExportRow, 'userId' | 'jobId' | 'format' | 'fromDate' | 'toDate'>,
): Promise<ExportRow> {
  const [created] = await db.insert(exports).values(row).returning();
  if (!created) throw new Error('insert returned no export');
  return created;
}

export function findExportsByIds(db: Executor, ids: readonly number[]): Promise<ExportRow[]> {
  return db.select().from(exports).where(anyId(exports.id, ids));
}

/** A user's exports, newest first. */
export async function pageExportsByUser(
  db: Executor,
  userId: number,
  window: KeysetWindow,
): Promise<ExportRow[]> {
  const rows = await db.execute<ExportRow>(sql`
    select x.id, x.user_id as "userId", x.job_id as "jobId", x.format, x.from_date as "fromDate",
           x.to_date as "toDate", x.row_count as "rowCount", x.created_at as "createdAt",
           x.updated_at as "updatedAt"
    from exports x where x.user_id = ${userId} and ${keysetCondition(newestFirst, window)}
    order by ${keysetOrderBy(newestFirst, window.backward)} limit ${window.limit}`);
  const list = [...rows];
  return window.backward ? list.reverse() : list;
}

export async function countExportsByUser(db: Executor, userId: number): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(exports)
    .where(eq(exports.userId, userId));
  return row?.count ?? 0;
}

/** Starts an export's file over (a retried export writes it again from the first row). */
export async function clearExportChunks(db: Executor, exportId: number): Promise<void> {
  await db.delete(exportChunks).where(eq(exportChunks.exportId, exportId));
}

export async function appendExportChunk(
  db: Executor,
  exportId: number,
  seq: number,
  data: Buffer,
): Promise<void> {
  await db.insert(exportChunks).values({ exportId, seq, data });
}

export async function finishExport(
  db: Executor,
  exportId: number,
  rowCount: number,
): Promise<void> {
  await db.update(exports).set({ rowCount, updatedAt: sql`now()` }).where(eq(exports.id, exportId));
}

/** The chunk numbers of an export's file, in order (the download reads them one by one). */
export async function exportChunkSeqs(db: Executor, exportId: number): Promise<number[]> {
  const rows = await db
    .select({ seq: exportChunks.seq })
    .from(exportChunks)
    .where(eq(exportChunks.exportId, exportId))
    .orderBy(asc(exportChunks.seq));
  return rows.map((row) => row.seq);
}

export async function readExportChunk(
  db: Executor,
  exportId: number,
  seq: number,
): Promise<Buffer | undefined> {
  const [row] = await db
    .select({ data: exportChunks.data })
    .from(exportChunks)
    .where(sql`${exportChunks.exportId} = ${exportId} and ${exportChunks.seq} = ${seq}`);
  return row?.data;
}
