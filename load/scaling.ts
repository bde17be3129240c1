/**
 * The scaling check: the same dashboard and 5,000-rows-deep page on databases of growing size.
 * The table grows the way a product's does, by users: 200 seeded expenses each (10k rows = 50
 * users, 2M = 10,000 users), plus the same 5,100 rows of user1's own for the deep page, so user1
 * asks the same questions of an ever larger table. With keyset pagination on indexes the
 * latency should not grow; a query whose p50 at the largest size exceeds twice (plus 2 ms) its
 * p50 at the smallest is flagged.
 */
import postgres from 'postgres';
import { runMigrations } from '../src/db/migrate.js';
import { SEED_EMAIL_DOMAIN, seed } from '../src/db/seed.js';
import { logIn, pageCursors } from './fixtures.js';
import { startGateway } from './gateway.js';
import { measure, warmUp } from './measure.js';
import { DASHBOARD, PAGE } from './queries.js';
import type { ScalingRow, Verdict } from './report.js';
import { rollUpAll } from './rollup.js';

const OWN_ROWS = 5100;
const PER_USER = 200;

const usersFor = (size: number) => Math.max(1, Math.round(size / PER_USER));

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** A database with `size` seeded expenses plus user1's own rows, reused when already there. */
async function prepare(serverUrl: string, size: number): Promise<string> {
  const base = new URL(serverUrl).pathname.slice(1) || 'postgres';
  const name = `${base}_scale_${size}`;
  const url = withDatabase(serverUrl, name);
  const admin = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const exists = await admin`select 1 from pg_database where datname = ${name}`;
    if (exists.length > 0) {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const [row] = await sql<{ n: number; users: number }[]>`
        select (select count(*) from expenses)::int as n, (select count(*) from users)::int as users`;
      if (row?.n === size + OWN_ROWS && row.users === usersFor(size)) {
        await rollUpAll(sql);
        await sql.end();
        return url;
      }
      await sql.end();
      await admin.unsafe(`drop database "${name}" with (force)`);
    }
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  await runMigrations(url);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  try {
    console.log(`  seeding ${size.toLocaleString('en-US')} expenses…`);
    await seed(sql, { users: usersFor(size), expenses: size });
    await sql`
      insert into expenses (user_id, category_id, amount, currency, description, expense_date, category_source)
      select u.id, c.id, (g % 97 + 1)::numeric(12, 2), 'USD', 'own row ' || g,
             date '2026-01-01' - (g % 365), 'MANUAL'
      from users u
      cross join lateral (select id from categories where user_id = u.id order by id limit 1) c
      cross join generate_series(1, ${OWN_ROWS}) g
      where u.email = ${`user1@${SEED_EMAIL_DOMAIN}`}`;
    await rollUpAll(sql);
  } finally {
    await sql.end();
  }
  return url;
}

export async function scalingCheck(
  serverUrl: string,
  sizes: readonly number[],
  seconds: number,
): Promise<{ rows: ScalingRow[]; verdicts: Verdict[] }> {
  const rows: ScalingRow[] = [];
  for (const size of sizes) {
    const url = await prepare(serverUrl, size);
    const gateway = await startGateway(url, { CACHE_ENABLED: 'false' });
    try {
      const token = await logIn(gateway.base, `user1@${SEED_EMAIL_DOMAIN}`);
      if (!token) throw new Error(`cannot log in on the ${size} database`);
      const deep = (await pageCursors(gateway.base, token, 100, 50)).at(-1);
      const headers = { authorization: `Bearer ${token}` };
      for (const [query, body] of [
        ['dashboard', JSON.stringify({ query: DASHBOARD })],
        ['page 5,000 rows deep', JSON.stringify({ query: PAGE, variables: { after: deep } })],
      ] as const) {
        await warmUp(gateway.base, { headers, body }, 8, 2);
        const m = await measure(gateway.base, `${query} @ ${size}`, 'scaling', { headers, body }, [
          { connections: 8, seconds },
        ]);
        rows.push({ expenses: size, query, p50: m.p50, p95: m.p95, reqPerSec: m.reqPerSec });
        console.log(
          `  ${size.toLocaleString('en-US')} expenses, ${query}: p50 ${m.p50} ms, ${m.reqPerSec} req/s`,
        );
      }
    } finally {
      await gateway.stop();
    }
  }
  const verdicts: Verdict[] = [];
  for (const query of new Set(rows.map((r) => r.query))) {
    const series = rows.filter((r) => r.query === query);
    const smallest = series[0];
    const largest = series.at(-1);
    if (!smallest || !largest || smallest === largest) continue;
    const limit = smallest.p50 * 2 + 2;
    verdicts.push({
      scenario: `scaling: ${query}`,
      threshold: `p50 at ${largest.expenses.toLocaleString('en-US')} <= 2 × p50 at ${smallest.expenses.toLocaleString('en-US')} + 2 ms`,
      actual: `${smallest.p50} ms → ${largest.p50} ms`,
      passed: largest.p50 <= limit,
    });
  }
  return { rows, verdicts };
}
