import { and, eq, inArray, lt, notInArray, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { type JobRow, jobs } from '../schema/jobs.js';
import { anyId } from './keyset.js';

export async function insertJobRecord(db: Executor, userId: number, kind: string): Promise<JobRow> {
  const [row] = await db.insert(jobs).values({ userId, kind }).returning();
  if (!row) throw new Error('insert returned no job record');
  return row;
}

export function findJobsByIds(db: Executor, ids: readonly number[]): Promise<JobRow[]> {
  return db.select().from(jobs).where(anyId(jobs.id, ids));
}

/** A record in one of these states is final: no later attempt may change it. */
const FINAL: ('SUCCEEDED' | 'FAILED')[] = ['SUCCEEDED', 'FAILED'];

/** Whether nothing follows this state of a job's record. */
export const isFinalJobState = (state: JobRow['state']): boolean =>
  (FINAL as readonly string[]).includes(state);

/**
 * Marks an attempt running; false when the record is already final (an attempt that overlapped
 * it finished first: after a database outage an attempt can be run twice), so this one must not
 * run or report. A record that is gone is the task's to report: true.
 */
export async function markJobRunning(db: Executor, id: number, attempts: number): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      state: 'RUNNING',
      attempts,
      startedAt: sql`coalesce(${jobs.startedAt}, now())`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(jobs.id, id), notInArray(jobs.state, FINAL)))
    .returning({ id: jobs.id });
  if (rows.length > 0) return true;
  const [record] = await findJobsByIds(db, [id]);
  return record === undefined;
}

/** Unconditional: whichever attempt succeeded did the work (a FAILED overlapping one did not). */
export async function markJobSucceeded(db: Executor, id: number, result: unknown): Promise<void> {
  await db
    .update(jobs)
    .set({
      state: 'SUCCEEDED',
      result: result ?? null,
      lastError: null,
      finishedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(eq(jobs.id, id));
}

/** `final`: no attempt follows (FAILED); otherwise the job waits for its retry (QUEUED). */
export async function markJobFailed(
  db: Executor,
  id: number,
  error: string,
  final: boolean,
): Promise<void> {
  await db
    .update(jobs)
    .set({
      state: final ? 'FAILED' : 'QUEUED',
      lastError: error,
      finishedAt: final ? sql`now()` : null,
      updatedAt: sql`now()`,
    })
    // A late failure of an overlapping attempt never undoes a finished record.
    .where(and(eq(jobs.id, id), notInArray(jobs.state, FINAL)));
}

/** Records units done and, when known, units in all (left as they are when undefined). */
export async function setJobProgress(
  db: Executor,
  id: number,
  progress: number,
  total?: number,
): Promise<void> {
  await db
    .update(jobs)
    .set({ progress, ...(total === undefined ? {} : { total }), updatedAt: sql`now()` })
    .where(eq(jobs.id, id));
}

/** Deletes finished records older than the retention period; returns how many. */
export async function pruneJobRecords(db: Executor, retentionDays: number): Promise<number> {
  const rows = await db
    .delete(jobs)
    .where(
      and(
        inArray(jobs.state, FINAL),
        lt(jobs.finishedAt, sql`now() - make_interval(days => ${retentionDays})`),
      ),
    )
    .returning({ id: jobs.id });
  return rows.length;
}

/**
 * A job record's result, its row locked until the transaction ends (an attempt of the same job
 * running beside it waits); undefined when the record is gone.
 */
export async function lockJobResult(db: Executor, id: number): Promise<unknown> {
  const [record] = await db
    .select({ result: jobs.result })
    .from(jobs)
    .where(eq(jobs.id, id))
    .for('update');
  return record === undefined ? undefined : (record.result ?? null);
}

/** Notes what a job has done so far, in the transaction that did it. */
export async function setJobResult(db: Executor, id: number, result: unknown): Promise<void> {
  await db.update(jobs).set({ result }).where(eq(jobs.id, id));
}
