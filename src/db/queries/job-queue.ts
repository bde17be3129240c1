/**
 * Queueing jobs, one encoding of a graphile-worker job spec for both ways in: straight into
 * graphile_worker.add_jobs inside the caller's transaction (if the write rolls back there is no
 * job, if it commits the job exists), or through the job outbox (db/outbox-relay.ts says why).
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Payload, type TaskName, taskOptions } from '../../domain/job-payloads.js';
import type { Executor, Pool } from '../client.js';

export interface JobSpec<T extends TaskName> {
  readonly task: T;
  readonly payload: Payload<T>;
  /** Dedupes: a pending job with the same key is replaced. */
  readonly jobKey?: string;
  /** Delay before the job may run (debouncing). */
  readonly runAfterMs?: number;
}

export async function enqueue(db: Executor, jobs: readonly JobSpec<TaskName>[]): Promise<void> {
  if (jobs.length === 0) return;
  await db.execute(addJobsSql(jobs));
}

/** A graphile_worker.job_spec as JSON. */
export interface JobSpecJson {
  readonly identifier: TaskName;
  readonly payload: unknown;
  readonly max_attempts: number;
  readonly priority: number;
  readonly job_key: string | null;
  readonly run_at: string | null;
}

export function jobSpecs(jobs: readonly JobSpec<TaskName>[]): JobSpecJson[] {
  return jobs.map(({ task, payload, jobKey, runAfterMs }) => ({
    identifier: task,
    payload,
    max_attempts: taskOptions[task].maxAttempts,
    priority: taskOptions[task].priority,
    job_key: jobKey ?? null,
    run_at: runAfterMs ? new Date(Date.now() + runAfterMs).toISOString() : null,
  }));
}

/** The `select … add_jobs(…)` statement itself, for callers that fold it into another. */
export function addJobsSql(jobs: readonly JobSpec<TaskName>[]): SQL {
  return sql`
    select count(*) from graphile_worker.add_jobs(array(
      select json_populate_record(null::graphile_worker.job_spec, spec)
      from json_array_elements(${JSON.stringify(jobSpecs(jobs))}::json) as spec
    ))`;
}

/** The INSERT that queues `jobs` through the outbox (a statement, or a WITH clause of one). */
export function outboxJobsSql(jobs: readonly JobSpec<TaskName>[]): SQL {
  return sql`
    insert into job_outbox (spec)
    select spec from jsonb_array_elements(${JSON.stringify(jobSpecs(jobs))}::jsonb) as spec`;
}

/** Rows one relay transaction moves. */
export const RELAY_BATCH = 500;

/**
 * Moves up to RELAY_BATCH outbox rows, oldest first, into graphile-worker in one transaction.
 * Relays of several processes take disjoint rows (SKIP LOCKED). Returns how many rows it moved.
 */
export async function relayOutbox(pool: Pool, batch = RELAY_BATCH): Promise<number> {
  return pool.begin(async (tx) => {
    const rows = await tx<{ id: number; spec: JobSpecJson }[]>`
      delete from job_outbox where id in (
        select id from job_outbox order by id limit ${batch} for update skip locked)
      returning id, spec`;
    if (rows.length === 0) return 0;
    // add_jobs upserts by job key, and one statement may not upsert a row twice: per key, the
    // latest spec wins (as a later add_jobs call would have replaced the earlier).
    const keyed = new Map<string, JobSpecJson>();
    const unkeyed: JobSpecJson[] = [];
    // DELETE … RETURNING keeps no order: oldest first, so the latest spec of a key wins.
    for (const { spec } of rows.sort((a, b) => a.id - b.id)) {
      if (spec.job_key) keyed.set(spec.job_key, spec);
      else unkeyed.push(spec);
    }
    await tx`
      select count(*) from graphile_worker.add_jobs(array(
        select json_populate_record(null::graphile_worker.job_spec, spec)
        from json_array_elements(${JSON.stringify([...unkeyed, ...keyed.values()])}::json) as spec
      ))`;
    return rows.length;
  });
}

/** Jobs waiting and running per task, from graphile-worker's jobs view (for /metrics). */
export function queueStats(pool: Pool) {
  return async () =>
    pool<{ task: string; queued: number; running: number }[]>`
      select task_identifier as task,
             count(*) filter (where locked_at is null)::int as queued,
             count(*) filter (where locked_at is not null)::int as running
      from graphile_worker.jobs group by task_identifier`;
}
