import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';

/**
 * The insert that marks a user's days as changed since their rollup: a new row per day, so
 * concurrent writes of one user share no row (run it in the write's statement or transaction).
 */
export function markDaysDirtySql(userId: number, days: readonly string[]): SQL {
  return sql`
    insert into daily_metrics_dirty (user_id, day)
    select ${userId}, d::date from unnest(${`{${days.join(',')}}`}::date[]) as d`;
}

/**
 * The days `userId` has dirty marks on (within [from, to] when given, each a date expression),
 * as a subquery of one `day` column: a loose index scan, one index probe per distinct day. A
 * mark is a row per write, and a user writing fast has thousands on one day until the rollup
 * catches up; SELECT DISTINCT read every one (5 ms for 25,000 marks on the dashboard's
 * statement; 0.1 ms this way).
 */
export function dirtyDaysSql(userId: SQL, from?: SQL, to?: SQL): SQL {
  const upper = (alias: SQL) => (to ? sql` and ${alias}.day <= ${to}` : sql``);
  const lower = from ? sql` and first.day >= ${from}` : sql``;
  return sql`(with recursive walk(day) as (
      (select first.day from daily_metrics_dirty first
       where first.user_id = ${userId}${lower}${upper(sql`first`)}
       order by first.day limit 1)
      union all
      select (select next.day from daily_metrics_dirty next
              where next.user_id = ${userId} and next.day > walk.day${upper(sql`next`)}
              order by next.day limit 1)
      from walk where walk.day is not null)
    select day from walk where day is not null)`;
}

/**
 * Serializes rollups of one user until the transaction ends. Two rollups of the same day can run
 * at once (graphile-worker queues a new job when a write lands while the one with its key runs):
 * unserialized, each deletes the day's rows it can see, then both insert, and the second fails
 * on the primary key.
 */
async function lockUserRollup(db: Executor, userId: number): Promise<void> {
  await db.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`daily_metrics:${userId}`}, 0))`,
  );
}

/**
 * Clears the day's marks and recomputes it from expenses (run it in a transaction, READ
 * COMMITTED). The DELETE removes the marks committed before it looked; the recomputation reads a
 * later snapshot, so it covers every change whose mark it removed, and a change that commits
 * meanwhile keeps its mark (the day stays dirty, read live, until that change's own rollup). A
 * day without marks is current: nothing to do (a rollup that waited for another's lock often
 * finds its marks cleared by that one). Returns whether it recomputed.
 */
export async function rollUpDay(db: Executor, userId: number, day: string): Promise<boolean> {
  await lockUserRollup(db, userId);
  const cleared = await db.execute(sql`
    delete from daily_metrics_dirty where user_id = ${userId} and day = ${day}::date
    returning 1`);
  if (cleared.length === 0) return false;
  await db.execute(sql`delete from daily_metrics where user_id = ${userId} and day = ${day}::date`);
  await db.execute(sql`
    insert into daily_metrics (user_id, day, category_id, total, count)
    select user_id, expense_date, coalesce(category_id, 0), sum(amount), count(*)
    from expenses where user_id = ${userId} and expense_date = ${day}::date
    group by user_id, expense_date, coalesce(category_id, 0)`);
  return true;
}

/** The month's total spending of a user, from expenses (for budget checks). */
export async function monthTotal(db: Executor, userId: number, day: string): Promise<string> {
  const [row] = await db.execute<{ total: string }>(sql`
    select coalesce(sum(amount), 0)::numeric(20,2)::text as total from expenses
    where user_id = ${userId}
      and expense_date >= date_trunc('month', ${day}::date)::date
      and expense_date < (date_trunc('month', ${day}::date) + interval '1 month')::date`);
  return row?.total ?? '0.00';
}

/** Users with expenses (or rollup rows) on a day: whose rollup the nightly pass recomputes. */
export async function usersActiveOn(db: Executor, day: string): Promise<number[]> {
  const rows = await db.execute<{ userId: number }>(sql`
    select user_id as "userId" from expenses where expense_date = ${day}::date
    union
    select user_id from daily_metrics where day = ${day}::date`);
  return rows.map((row) => row.userId);
}

/**
 * Rolls up all of a user's days and marks the user covered (run in a transaction). Changes made
 * meanwhile marked their days dirty, so reads stay exact either way.
 */
export async function rollUpUser(db: Executor, userId: number): Promise<void> {
  await lockUserRollup(db, userId);
  await db.execute(sql`delete from daily_metrics where user_id = ${userId}`);
  await db.execute(sql`
    insert into daily_metrics (user_id, day, category_id, total, count)
    select user_id, expense_date, coalesce(category_id, 0), sum(amount), count(*)
    from expenses where user_id = ${userId}
    group by user_id, expense_date, coalesce(category_id, 0)`);
  await db.execute(sql`
    insert into daily_metrics_coverage (user_id) values (${userId})
    on conflict (user_id) do update set covered_at = now()`);
}

/** A new user has nothing to roll up: covered from the start. */
export async function markCovered(db: Executor, userId: number): Promise<void> {
  await db.execute(sql`
    insert into daily_metrics_coverage (user_id) values (${userId}) on conflict do nothing`);
}

/** Notes that a user's month went over budget; false when it was noted already (one alert). */
export async function recordBudgetAlert(
  db: Executor,
  userId: number,
  month: string,
): Promise<boolean> {
  const rows = await db.execute<{ inserted: boolean }>(sql`
    insert into budget_alerts (user_id, month) values (${userId}, ${month})
    on conflict do nothing returning true as inserted`);
  return rows.length > 0;
}
