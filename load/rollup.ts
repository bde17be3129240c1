/** Brings a seeded database's daily rollup up to date, as the worker would after a seed. */
import type postgres from 'postgres';

/**
 * What the worker's rollup_user jobs (queued by the seed) would do: every user's days in
 * daily_metrics and covered, so reads see the steady state. Skipped when already done.
 */
export async function rollUpAll(sql: postgres.Sql): Promise<void> {
  const [row] = await sql<{ missing: boolean }[]>`
    select (select count(*) from users) > (select count(*) from daily_metrics_coverage) as missing`;
  if (!row?.missing) return;
  await sql.begin(async (tx) => {
    await tx`delete from daily_metrics`;
    await tx`delete from daily_metrics_dirty`;
    await tx`
      insert into daily_metrics (user_id, day, category_id, total, count)
      select user_id, expense_date, coalesce(category_id, 0), sum(amount), count(*)
      from expenses group by user_id, expense_date, coalesce(category_id, 0)`;
    await tx`insert into daily_metrics_coverage (user_id) select id from users on conflict do nothing`;
  });
  await sql`delete from graphile_worker._private_jobs where task_id in (
    select id from graphile_worker._private_tasks where identifier = 'rollup_user')`.catch(
    () => {},
  );
  // A seed is a bulk load: vacuum sets the visibility map (index-only scans) as autovacuum would.
  await sql`vacuum analyze`;
}
