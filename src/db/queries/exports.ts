import { asc, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../client.js';
import { type ExportRow, exportChunks, exports } from '../schema/exports.js';
import { byShape, columnsOf, execute, param, type SqlRunner, statement } from '../statement.js';
import {
  anyId,
  type KeysetParams,
  type KeysetWindow,
  keysetCondition,
  keysetOrderBy,
  keysetParams,
  type SortKey,
  windowShape,
} from './keyset.js';

const x = alias(exports, 'x');

const newestFirst: SortKey = { column: x.id, id: x.id, direction: 'desc', cast: 'bigint' };

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

type PageParams = KeysetParams & { readonly userId: number };

const pageStatement = byShape<KeysetWindow, PageParams>(
  windowShape,
  (window) => sql`
  select ${columnsOf(x)}
  from ${exports} ${x}
  where ${x.userId} = ${param('userId')}::bigint and ${keysetCondition(newestFirst, window)}
  order by ${keysetOrderBy(newestFirst, window.backward)} limit ${param('limit')}`,
);

/** A user's exports, newest first. */
export async function pageExportsByUser(
  db: SqlRunner,
  userId: number,
  window: KeysetWindow,
): Promise<ExportRow[]> {
  const rows = await execute<ExportRow, PageParams>(db, pageStatement(window), {
    userId,
    ...keysetParams(window),
  });
  return window.backward ? rows.reverse() : rows;
}

const countByUser = statement<{ userId: number }>(sql`
  select count(*)::int as count from ${exports} ${x} where ${x.userId} = ${param('userId')}::bigint`);

export async function countExportsByUser(db: SqlRunner, userId: number): Promise<number> {
  const [row] = await execute<{ count: number }, { userId: number }>(db, countByUser, { userId });
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

/** An expense as an export writes it (its database id, for the next batch's keyset). */
export type ExpenseExportRow = {
  readonly dbId: number;
  readonly date: string;
  readonly amount: string;
  readonly currency: string;
  readonly description: string;
  readonly merchant: string | null;
  readonly category: string | null;
  readonly categorySource: string;
};

/** How many expenses of a user an export of `range` will write (its job's total). */
export async function countExpenseExportRows(
  db: Executor,
  userId: number,
  range: { readonly from: string | null; readonly to: string | null },
): Promise<number> {
  const [row] = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from expenses e
    where e.user_id = ${userId}
      ${range.from ? sql`and e.expense_date >= ${range.from}::date` : sql``}
      ${range.to ? sql`and e.expense_date <= ${range.to}::date` : sql``}`);
  return row?.n ?? 0;
}

/**
 * The next `limit` expenses of a user within an optional date range, by date and id, after the
 * last one of the previous batch (keyset: each batch is one index range, however deep).
 */
export function expenseExportBatch(
  db: Executor,
  userId: number,
  range: { readonly from: string | null; readonly to: string | null },
  after: { readonly date: string; readonly id: number } | null,
  limit: number,
): Promise<ExpenseExportRow[]> {
  return db.execute<ExpenseExportRow>(sql`
    select e.id as "dbId", e.expense_date::text as date, e.amount::text as amount, e.currency,
           e.description, e.merchant, c.name as category, e.category_source::text as "categorySource"
    from expenses e left join categories c on c.id = e.category_id
    where e.user_id = ${userId}
      ${range.from ? sql`and e.expense_date >= ${range.from}::date` : sql``}
      ${range.to ? sql`and e.expense_date <= ${range.to}::date` : sql``}
      ${after ? sql`and (e.expense_date, e.id) > (${after.date}::date, ${after.id}::bigint)` : sql``}
    order by e.expense_date, e.id
    limit ${limit}`);
}
