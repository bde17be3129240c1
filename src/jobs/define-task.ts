/**
 * The wrapper every task goes through: payload validation, our job record (state, attempts,
 * last error, result), error classification and metrics.
 *
 * - A malformed payload or a PermanentJobError fails for good at once: the record is FAILED with
 *   the message, and the graphile-worker job completes, so it is never retried.
 * - Any other error is retried by graphile-worker (exponential backoff) until `max_attempts`;
 *   the record shows the last error meanwhile and FAILED after the last attempt.
 */
import { SpanKind } from '@opentelemetry/api';
import type { JobHelpers, Task } from 'graphile-worker';
import {
  markJobFailed,
  markJobRunning,
  markJobSucceeded,
  setJobProgress,
} from '../db/queries/jobs.js';
import { type Payload, payloadSchemas, type TaskName } from '../domain/job-payloads.js';
import { withSpan } from '../telemetry.js';
import { environmentJobRuntime, type JobRuntime } from './runtime.js';

export class PermanentJobError extends Error {}

export interface TaskContext {
  readonly runtime: JobRuntime;
  readonly helpers: JobHelpers;
  /** Records how much work is done (and in all, when known), for `Job`/`Export` readers. */
  progress(done: number, total?: number): Promise<void>;
}

export interface TaskDefinition<T extends TaskName> {
  readonly identifier: T;
  /** The task on a given runtime (the API's in-process worker, `npm run worker`). */
  make(runtime: JobRuntime): Task;
}

/**
 * What the job's record (read by its user through `Job.lastError`) says of a failure: the task's
 * own words for a permanent failure, never an unexpected error's text (a failed statement's
 * message holds its SQL and the values in it); the server log has the rest.
 */
export function recordedMessage(error: unknown): string {
  if (error instanceof PermanentJobError) return messageOf(error);
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return `The job failed with a database error (SQLSTATE ${code})`;
    }
  }
  return 'The job failed with an unexpected error';
}

function messageOf(error: unknown): string {
  if (error && typeof error === 'object' && 'issues' in error) {
    const issues = (error as { issues: { path: (string | number)[]; message: string }[] }).issues;
    return `Invalid payload: ${issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function defineTask<T extends TaskName>(
  identifier: T,
  run: (payload: Payload<T>, context: TaskContext) => Promise<unknown>,
): TaskDefinition<T> {
  return {
    identifier,
    make(runtime) {
      const { metrics } = runtime;
      return async (rawPayload, helpers) => {
        const started = performance.now();
        const job = helpers.job;
        metrics.jobs.runs.inc({ task: identifier, outcome: 'started' });
        metrics.jobs.queueLatency.observe(
          { task: identifier },
          Math.max(0, (Date.now() - new Date(job.run_at).getTime()) / 1000),
        );
        const parsed = payloadSchemas[identifier].safeParse(rawPayload);
        const recordId =
          rawPayload && typeof rawPayload === 'object' && 'jobRecordId' in rawPayload
            ? Number((rawPayload as { jobRecordId: unknown }).jobRecordId) || undefined
            : undefined;
        // Each committed change of the record, for its live subscribers (Job, Export).
        const changedRecord = () => {
          if (recordId) runtime.events.publish({ type: 'job', jobId: recordId });
        };
        const finish = (outcome: 'succeeded' | 'failed' | 'retried') => {
          metrics.jobs.runs.inc({ task: identifier, outcome });
          metrics.jobs.runTime.observe({ task: identifier }, (performance.now() - started) / 1000);
        };
        try {
          if (!parsed.success) throw new PermanentJobError(messageOf(parsed.error));
          if (recordId && !(await markJobRunning(runtime.db, recordId, job.attempts))) {
            // Another attempt of this job already finished it.
            finish('succeeded');
            return;
          }
          changedRecord();
          const result = await withSpan(
            `job ${identifier}`,
            {
              kind: SpanKind.CONSUMER,
              attributes: { 'job.task': identifier, 'job.id': job.id, 'job.attempt': job.attempts },
            },
            () =>
              run(parsed.data as Payload<T>, {
                runtime,
                helpers,
                progress: async (done, total) => {
                  if (!recordId) return;
                  await setJobProgress(runtime.db, recordId, done, total);
                  changedRecord();
                },
              }),
          );
          if (recordId) await markJobSucceeded(runtime.db, recordId, result);
          changedRecord();
          finish('succeeded');
        } catch (error) {
          const permanent = error instanceof PermanentJobError;
          const final = permanent || job.attempts >= job.max_attempts;
          const message = messageOf(error);
          helpers.logger.error(
            `${identifier} failed${final ? ' for good' : ', will retry'}: ${message}`,
          );
          if (recordId) {
            await markJobFailed(runtime.db, recordId, recordedMessage(error), final).then(
              changedRecord,
              () => {},
            );
          }
          finish(final ? 'failed' : 'retried');
          // A permanent failure completes the graphile-worker job: there is nothing to retry.
          if (!permanent) throw error;
        }
      };
    },
  };
}

/** The same task for the graphile-worker CLI (`taskDirectory`), on a runtime from the environment. */
export function cliTask<T extends TaskName>(definition: TaskDefinition<T>): Task {
  let task: Task | undefined;
  return async (payload, helpers) => {
    task ??= definition.make(await environmentJobRuntime());
    return task(payload, helpers);
  };
}
