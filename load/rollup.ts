/**
 * The database state a load run measures against: the daily rollup up to date, as the worker
 * would leave it, and no rows or jobs left behind by earlier scenarios.
 */
import type postgres from 'postgres';

/**
 * The steady state a running product is in: what the worker's rollup_user jobs (queued by the
 * seed) and update_daily_metrics jobs (queued by earlier load runs' writes) would have done, and
 * what autovacuum would have done since (visibility map for index-only scans, statistics). No
 * worker runs beside the measured gateways, so their queued rollups are done here and dropped.
 */
export async function rollUpAll(sql: postgres.Sql): Promise<void> {
  const [row] = await sql<{ missing: boolean }[]>`
    select (select count(*) from users) > (select count(*) from daily_metrics_coverage) as missing`;
  await sql.begin(async (tx) => {
    if (row?.missing) {
      await tx`delete from daily_metrics`;
      await tx`delete from daily_metrics_dirty`;
      await tx`
        insert into daily_metrics (user_id, day, category_id, total, count)
        select user_id, expense_date, coalesce(category_id, 0), sum(amount), count(*)
        from expenses group by user_id, expense_date, coalesce(category_id, 0)`;
      await tx`insert into daily_metrics_coverage (user_id) select id from users on conflict do nothing`;
      return;
    }
    // Days marked dirty by earlier writes: recomputed, as update_daily_metrics would.
    await tx`
      delete from daily_metrics m using daily_metrics_dirty d
      where m.user_id = d.user_id and m.day = d.day`;
    await tx`
      insert into daily_metrics (user_id, day, category_id, total, count)
      select e.user_id, e.expense_date, coalesce(e.category_id, 0), sum(e.amount), count(*)
      from expenses e
      join (select distinct user_id, day from daily_metrics_dirty) d
        on d.user_id = e.user_id and d.day = e.expense_date
      group by e.user_id, e.expense_date, coalesce(e.category_id, 0)`;
    await tx`delete from daily_metrics_dirty`;
  });
  await sql`delete from graphile_worker._private_jobs where task_id in (
    select id from graphile_worker._private_tasks
    where identifier in ('rollup_user', 'update_daily_metrics'))`.catch(() => {});
  await sql`delete from job_outbox where spec->>'identifier' = 'update_daily_metrics'`;
  await sql`vacuum analyze`;
}

/**
 * The accounts a run makes: one per sign-up, and the reader, bulk writer and job scenario's user
 * (a fresh one each run). The admin keeps its fixed address and is reused.
 */
export const RUN_ACCOUNT_EMAILS = [
  'load-signup-%@example.com',
  'load-reader-%@example.com',
  'load-bulk-%@example.com',
  'load-jobs-%@example.com',
  'load-live-%@example.com',
] as const;

/**
 * Deletes the accounts runs made, with all that is theirs (the foreign keys cascade). The bulk
 * scenario alone writes about 500,000 expenses a run, and sign-ups leave hundreds of users with
 * their categories: without this, every run measured a bigger database than the one before it (a
 * million expenses after two runs of a 50,000-expense seed). rollUpAll, which a run calls next,
 * vacuums. The patterns go as an array literal: on a connection's first statement postgres.js has
 * not fetched the array types yet and sends `sql.array` as one comma-joined string.
 */
export async function removeLoadAccounts(sql: postgres.Sql): Promise<number> {
  const deleted = await sql`
    delete from users where email like any(${`{${RUN_ACCOUNT_EMAILS.join(',')}}`}::text[])`;
  return deleted.count;
}

/** The merchant the write scenarios put on their expenses, so the run can remove them. */
export const LOAD_MERCHANT = 'ledgerline load run';

/**
 * Deletes the expenses write scenarios made (by their merchant) and vacuums: each scenario after
 * one that writes meets the seeded data, not the thousands of rows its predecessor dated today
 * (which lists, totals and summaries count live while their days are dirty). The days they
 * marked stay marked, read live, until rollUpAll recomputes them (the run calls it next).
 */
export async function removeLoadWrites(sql: postgres.Sql): Promise<void> {
  await sql`delete from expenses where merchant = ${LOAD_MERCHANT}`;
  await sql`vacuum analyze expenses`;
}

/** Drops jobs queued by earlier scenarios (no worker ran beside them) before the job scenario. */
export async function dropQueuedJobs(sql: postgres.Sql): Promise<void> {
  await sql`delete from job_outbox`;
  await sql`delete from graphile_worker._private_jobs where locked_at is null`;
}
