/**
 * Queueing jobs, one encoding of a graphile-worker job spec for both ways in: straight into
 * graphile_worker.add_jobs inside the caller's transaction (if the write rolls back there is no
 * job, if it commits the job exists), or through the job outbox (jobs/outbox.ts says why).
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Payload, type TaskName, taskOptions } from '../../domain/job-payloads.js';
import type { Executor } from '../client.js';

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
