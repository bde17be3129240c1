import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollUpUser } from '../../src/db/queries/daily-metrics.js';
import { type ExpenseOrder, pageExpensesByOwner } from '../../src/db/queries/expenses.js';
import { spendingSummary } from '../../src/db/queries/reports.js';
import { seed } from '../../src/db/seed.js';
import type { SqlRunner } from '../../src/db/statement.js';
import { createTestDatabase } from '../helpers/database.js';

/**
 * The SQL the loaders send, run through EXPLAIN on a seeded database: lists must walk a keyset
 * index from the cursor (no Sort over the user's rows), however deep the page.
 */
let pool: postgres.Sql;
let drop: () => Promise<void>;
let userId: number;
/** A covered user whose expenses are being written fast: 3,000 dirty marks on two days. */
let busyId: number;
const captured: { query: string; params: unknown[] }[] = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  pool = postgres(db.url, { max: 2, onnotice: () => {} });
  await seed(pool, { users: 2, expenses: 40_000 });
  userId = (await pool`select id from users order by id limit 1`)[0]?.id;
  busyId = (await pool`select id from users order by id offset 1 limit 1`)[0]?.id;
  // The steady state: the worker has rolled the user up, other users' rollups fill the table (a
  // year of days for each of 300), autovacuum has set the visibility map.
  await drizzle(pool).transaction((tx) => rollUpUser(tx, userId));
  await drizzle(pool).transaction((tx) => rollUpUser(tx, busyId));
  await pool`
    insert into daily_metrics_dirty (user_id, day)
    select ${busyId}, d from (select distinct expense_date d from expenses
                              where user_id = ${busyId} order by 1 desc limit 2) days,
      generate_series(1, 1500)`;
  await pool`
    with others as (
      insert into users (email, email_key, name, password_hash)
      select 'other' || g || '@example.com', 'other' || g || '@example.com', 'Other', 'x'
      from generate_series(1, 300) g
      returning id)
    insert into daily_metrics (user_id, day, category_id, total, count)
    select others.id, day::date, 0, 1.00, 1
    from others, generate_series(current_date - 365, current_date - 1, interval '1 day') day`;
  await pool`vacuum analyze`;
});
afterAll(async () => {
  await pool.end();
  await drop();
});

/** A parameter as an SQL literal for EXECUTE (ids, arrays of ids, numbers, dates, text). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const text = Array.isArray(value) ? `{${value.join(',')}}` : String(value);
  return `'${text.replaceAll("'", "''")}'`;
}

type PlanCacheMode = 'force_generic_plan' | 'force_custom_plan';
/** Each case runs in this mode (set by the describe.each below). */
let mode: PlanCacheMode = 'force_generic_plan';

/**
 * EXPLAIN of the last statement `run` sends, as a prepared statement executed under `mode`: the
 * gateway's connections run generic plans (DB_PLAN_CACHE_MODE), which must walk the same
 * indexes as the custom plans Postgres would make for the actual values.
 */
async function plan(run: (db: SqlRunner) => Promise<unknown>, options = ''): Promise<string> {
  captured.length = 0;
  const db: SqlRunner = {
    run<R extends object>(text: string, params: readonly unknown[]) {
      captured.push({ query: text, params: [...params] });
      return pool.unsafe(text, params as never[]) as unknown as Promise<R[]>;
    },
  };
  await run(db);
  const last = captured.at(-1);
  if (!last) throw new Error('no query captured');
  const session = await pool.reserve();
  try {
    await session.unsafe(`set plan_cache_mode = ${mode}`);
    await session.unsafe(`prepare planned as ${last.query}`);
    const args = last.params.map(literal).join(', ');
    const rows = await session.unsafe(
      `explain ${options} execute planned${args ? `(${args})` : ''}`,
    );
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await session.unsafe('deallocate all');
    session.release();
  }
}

describe.each<PlanCacheMode>(['force_generic_plan', 'force_custom_plan'])(
  'query plans (%s)',
  (planCacheMode) => {
    beforeAll(() => {
      mode = planCacheMode;
    });

    it.each<ExpenseOrder>(['DATE_DESC', 'DATE_ASC', 'AMOUNT_DESC', 'AMOUNT_ASC', 'CREATED_DESC'])(
      'the first page in %s order walks an index without sorting',
      async (order) => {
        const text = await plan((db) =>
          pageExpensesByOwner(db, 'user', [userId], {}, order, {
            limit: 21,
            backward: false,
            cursor: null,
          }),
        );
        expect(text).toMatch(/Index Scan( Backward)? using expenses_user_\w+_idx/);
        expect(text).not.toMatch(/Sort/);
      },
    );

    it('a page 15,000 rows deep starts at the cursor in the index', async () => {
      const [deep] =
        await pool`select expense_date::text as d, id from expenses where user_id = ${userId}
      order by expense_date desc, id desc offset 15000 limit 1`;
      const text = await plan((db) =>
        pageExpensesByOwner(db, 'user', [userId], {}, 'DATE_DESC', {
          limit: 21,
          backward: false,
          cursor: { value: deep?.d, id: deep?.id },
        }),
      );
      expect(text).toMatch(/Index Cond: \(\(user_id = o\.id\) AND \(ROW\(expense_date, id\) < ROW/);
      expect(text).not.toMatch(/Sort/);
    });

    it('a page with its categories and total counts once per owner, not once per row', async () => {
      const text = await plan(
        (db) =>
          pageExpensesByOwner(
            db,
            'user',
            [userId],
            {},
            'DATE_DESC',
            { limit: 21, backward: false, cursor: null },
            { withCategories: true, withTotal: true },
          ),
        '(analyze, costs off, timing off)',
      );
      expect(text).toMatch(/Index Scan( Backward)? using expenses_user_date_idx/);
      // (A merge anti join may sort the few dirty days; the expenses are never sorted.)
      expect(text).not.toMatch(/Sort Key: e\./);
      // The total sums the rollup from its covering index, never visiting the table.
      expect(text).toMatch(
        /Index Only Scan using daily_metrics_user_day_figures_idx on daily_metrics m/,
      );
      expect(text).not.toMatch(/Heap Scan on daily_metrics m/);
      const aggregates = text.split('\n').filter((line) => line.includes('Aggregate'));
      expect(aggregates.length).toBeGreaterThan(0);
      for (const line of aggregates) expect(line).toMatch(/loops=1\)|never executed/);
    });

    it.each([false, true])(
      "a covered user's summary reads the rollup and no expense of a clean day (categories: %s)",
      async (withCategories) => {
        const text = await plan(
          (db) => spendingSummary(db, userId, '2000-01-01', '2100-12-31', { withCategories }),
          '(analyze, costs off, timing off)',
        );
        expect(text).toMatch(/on daily_metrics m/);
        const scans = text.split('\n').filter((line) => / on expenses e\b/.test(line));
        expect(scans.length).toBeGreaterThan(0);
        for (const line of scans) expect(line).toMatch(/never executed/);
      },
    );

    it("a busy user's dirty days cost an index probe per day, not a read of every mark", async () => {
      const page = await plan(
        (db) =>
          pageExpensesByOwner(
            db,
            'user',
            [busyId],
            {},
            'DATE_DESC',
            { limit: 21, backward: false, cursor: null },
            { withCategories: true, withTotal: true },
          ),
        '(analyze, costs off, timing off)',
      );
      const summary = await plan(
        (db) => spendingSummary(db, busyId, '2000-01-01', '2100-12-31'),
        '(analyze, costs off, timing off)',
      );
      for (const text of [page, summary]) {
        const scans = text.split('\n').filter((line) => line.includes('on daily_metrics_dirty'));
        expect(scans.length).toBeGreaterThan(0);
        // Each scan of the marks stops at its first row (3,000 of them would say rows=3000).
        for (const line of scans)
          expect(line).toMatch(/\(actual rows=[01] loops=\d+\)|never executed/);
        expect(text).not.toMatch(/HashAggregate|Bitmap Heap Scan on daily_metrics_dirty/);
        // The dirty days' expenses come from the index, a range per day; never a table scan.
        expect(text).toMatch(
          /(Index|Index Only|Bitmap Index) Scan (using|on) expenses_user_date_idx/,
        );
        for (const line of text.split('\n').filter((l) => l.includes('Seq Scan on expenses'))) {
          expect(line).toMatch(/never executed/);
        }
      }
    });

    it("a category's page uses the category index", async () => {
      const [category] =
        await pool`select category_id as id from expenses where category_id is not null limit 1`;
      const text = await plan((db) =>
        pageExpensesByOwner(db, 'category', [category?.id], {}, 'DATE_DESC', {
          limit: 6,
          backward: true,
          cursor: null,
        }),
      );
      expect(text).toMatch(/Index Scan( Backward)? using expenses_category_date_idx/);
      expect(text).not.toMatch(/Sort/);
    });
  },
);
