/**
 * Adds jobs with graphile_worker.add_jobs from inside the caller's transaction: if the write
 * rolls back there is no job, if it commits the job exists.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { type Payload, type TaskName, taskOptions } from './payloads.js';

export interface JobSpec<T extends TaskName> {
  readonly task: T;
  readonly payload: Payload<T>;
  /** Dedupes: a pending job with the same key is replaced. */
  readonly jobKey?: string;
  /** Appends the database session (`:<backend pid>`) to the key, so concurrent writers share no job row. */
  readonly keyPerSession?: boolean;
  /** Delay before the job may run (debouncing). */
  readonly runAfterMs?: number;
}

export async function enqueue(db: Executor, jobs: readonly JobSpec<TaskName>[]): Promise<void> {
  if (jobs.length === 0) return;
  await db.execute(addJobsSql(jobs));
}

/** The `select … add_jobs(…)` statement itself, for callers that fold it into another. */
export function addJobsSql(jobs: readonly JobSpec<TaskName>[]): SQL {
  const specs = jobs.map(({ task, payload, jobKey, keyPerSession, runAfterMs }) => ({
    identifier: task,
    payload,
    max_attempts: taskOptions[task].maxAttempts,
    priority: taskOptions[task].priority,
    job_key: jobKey ?? null,
    run_at: runAfterMs ? new Date(Date.now() + runAfterMs).toISOString() : null,
    key_per_session: keyPerSession ?? false,
  }));
  return sql`
    select count(*) from graphile_worker.add_jobs(array(
      select json_populate_record(null::graphile_worker.job_spec, case
        when (spec->>'key_per_session')::boolean
        then (spec::jsonb || jsonb_build_object('job_key', (spec->>'job_key') || ':' || pg_backend_pid()))::json
        else spec end)
      from json_array_elements(${JSON.stringify(specs)}::json) as spec
    ))`;
}
