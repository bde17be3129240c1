import type { Pool } from '../db/client.js';

/** Jobs waiting and running per task, from graphile-worker's jobs view (for /metrics). */
export function queueStats(pool: Pool) {
  return async () =>
    pool<{ task: string; queued: number; running: number }[]>`
      select task_identifier as task,
             count(*) filter (where locked_at is null)::int as queued,
             count(*) filter (where locked_at is not null)::int as running
      from graphile_worker.jobs group by task_identifier`;
}
