/**
 * Worker heartbeats (jobs/worker.ts): each worker records that its job lockers are alive, and
 * any worker finds the lockers nobody alive speaks for, to free their jobs.
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';

const textArray = (ids: Iterable<string>) => `{${[...ids].join(',')}}`;

/** Records `lockerIds` as alive now. */
export async function recordHeartbeats(db: Executor, lockerIds: Iterable<string>): Promise<void> {
  await db.execute(sql`
    insert into worker_heartbeats (worker_id, last_seen)
    select id, now() from unnest(${textArray(lockerIds)}::text[]) as id
    on conflict (worker_id) do update set last_seen = now()`);
}

/**
 * Lockers silent for `staleAfterMs`, their heartbeats deleted: stale heartbeats, and lockers
 * that never got one written (a runner started and lost during a Postgres outage) holding a job
 * locked that long: a job locked that long by nobody alive is orphaned.
 */
export async function takeStaleLockers(db: Executor, staleAfterMs: number): Promise<string[]> {
  const staleAfter = sql`make_interval(secs => ${staleAfterMs / 1000})`;
  const rows = await db.execute<{ worker_id: string }>(sql`
    with stale as (
      delete from worker_heartbeats where last_seen < now() - ${staleAfter}
      returning worker_id
    )
    select worker_id from stale
    union
    select distinct j.locked_by from graphile_worker.jobs j
    where j.locked_by is not null and j.locked_at < now() - ${staleAfter}
      and not exists (
        select 1 from worker_heartbeats h
        where h.worker_id = j.locked_by and h.last_seen >= now() - ${staleAfter})`);
  return rows.map((row) => row.worker_id);
}

/** Forgets `lockerIds`' heartbeats (a worker stopping cleanly). */
export async function forgetHeartbeats(db: Executor, lockerIds: Iterable<string>): Promise<void> {
  await db.execute(
    sql`delete from worker_heartbeats where worker_id = any(${textArray(lockerIds)}::text[])`,
  );
}
