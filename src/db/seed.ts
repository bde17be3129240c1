/**
 * Deterministic demo data, written in bulk: users and their default categories with multi-row
 * INSERTs, expenses with COPY. The same options always give the same rows.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import { hashPassword } from '../auth/password.js';
import { emailKey } from '../email.js';
import { random } from '../random.js';
import { DEFAULT_CATEGORIES } from './default-categories.js';

export const SEED_EMAIL_DOMAIN = 'seed.ledgerline.dev';
export const SEED_PASSWORD = 'password123';

export interface SeedOptions {
  readonly users: number;
  readonly expenses: number;
  /** Expenses fall in the `days` days up to and including this date. @default today */
  readonly until?: string;
  /** @default 365 */
  readonly days?: number;
}

export interface SeedProgress {
  readonly expensesWritten: number;
}

const DESCRIPTIONS = [
  ['lunch', 'Food & Dining'],
  ['dinner', 'Food & Dining'],
  ['coffee', 'Food & Dining'],
  ['weekly groceries', 'Groceries'],
  ['supermarket run', 'Groceries'],
  ['uber ride', 'Transport'],
  ['train ticket', 'Transport'],
  ['parking', 'Transport'],
  ['rent', 'Housing'],
  ['internet bill', 'Housing'],
  ['movie night', 'Entertainment'],
  ['concert tickets', 'Entertainment'],
  ['pharmacy', 'Health'],
  ['gym membership', 'Health'],
  ['new shoes', 'Shopping'],
  ['books', 'Shopping'],
  ['misc', null],
] as const;
const EXPENSE_CHUNK = 1000;
const COPY_STREAMS = 2;
const MERCHANTS = ['Cafe Rio', 'Whole Foods', 'Uber', 'Amazon', 'Netflix', 'CVS', 'Shell', null];

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Removes earlier seed users (and, by cascade, their rows), then writes a fresh set. */
export async function seed(
  sql: postgres.Sql,
  options: SeedOptions,
  onProgress: (progress: SeedProgress) => void = () => {},
): Promise<{ users: number; expenses: number; copySeconds: number }> {
  const until = options.until ?? new Date().toISOString().slice(0, 10);
  const days = options.days ?? 365;
  // One hash for every seeded account: hashing each would dominate the seed time.
  const passwordHash = await hashPassword(SEED_PASSWORD);

  await sql`delete from users where email like ${`%@${SEED_EMAIL_DOMAIN}`}`;

  const users: { id: number }[] = [];
  for (let start = 0; start < options.users; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, options.users - start) }, (_, i) => ({
      email: `user${start + i + 1}@${SEED_EMAIL_DOMAIN}`,
      email_key: emailKey(`user${start + i + 1}@${SEED_EMAIL_DOMAIN}`),
      name: `Seed User ${start + i + 1}`,
      password_hash: passwordHash,
      currency: 'USD',
    }));
    users.push(...(await sql<{ id: number }[]>`insert into users ${sql(batch)} returning id`));
  }

  // Category id by user and name, for picking the category that fits a description.
  const categoryIds = new Map<number, Map<string, number>>();
  const categoryRows = users.flatMap((user) =>
    DEFAULT_CATEGORIES.map((c) => ({ user_id: user.id, name: c.name, color: c.color })),
  );
  for (let start = 0; start < categoryRows.length; start += 5000) {
    const inserted = await sql<{ id: number; user_id: number; name: string }[]>`
      insert into categories ${sql(categoryRows.slice(start, start + 5000))} returning id, user_id, name`;
    for (const row of inserted) {
      const byName = categoryIds.get(row.user_id) ?? new Map<string, number>();
      byName.set(row.name, row.id);
      categoryIds.set(row.user_id, byName);
    }
    const keywords = inserted.flatMap((row) =>
      (DEFAULT_CATEGORIES.find((c) => c.name === row.name)?.keywords ?? []).map((keyword) => ({
        category_id: row.id,
        keyword,
      })),
    );
    for (let k = 0; k < keywords.length; k += 10000) {
      await sql`insert into category_keywords ${sql(keywords.slice(k, k + 10000))}`;
    }
  }

  const dates = Array.from({ length: days }, (_, i) => addDays(until, -i));
  const userIds = users.map((user) => user.id);
  let written = 0;
  /** Chunk k of the expense rows as COPY text; each chunk has its own PRNG, so any stream may write it. */
  function chunk(k: number): string {
    const next = random(1_000 + k);
    const count = Math.min(EXPENSE_CHUNK, options.expenses - k * EXPENSE_CHUNK);
    let text = '';
    for (let i = 0; i < count; i++) {
      const userId = userIds[Math.floor(next() * userIds.length)] as number;
      const [description, categoryName] =
        DESCRIPTIONS[Math.floor(next() * DESCRIPTIONS.length)] ?? DESCRIPTIONS[0];
      const merchant = MERCHANTS[Math.floor(next() * MERCHANTS.length)] ?? null;
      const cents = 100 + Math.floor(next() * 19_900);
      const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      const date = dates[Math.floor(next() * days)];
      const categoryId = categoryName ? categoryIds.get(userId)?.get(categoryName) : undefined;
      const source = categoryId ? 'MANUAL' : 'UNCATEGORIZED';
      text += `${userId}\t${categoryId ?? '\\N'}\t${amount}\tUSD\t${description}\t${merchant ?? '\\N'}\t${date}\t${source}\n`;
    }
    written += count;
    onProgress({ expensesWritten: written });
    return text;
  }
  const chunks = Math.ceil(options.expenses / EXPENSE_CHUNK);
  // Index upkeep in Postgres is the bottleneck: two COPY streams keep both cores busy.
  const copyStarted = performance.now();
  if (userIds.length > 0 && chunks > 0) {
    await Promise.all(
      Array.from({ length: COPY_STREAMS }, async (_, stream) => {
        const copy = await sql`
          copy expenses (user_id, category_id, amount, currency, description, merchant, expense_date, category_source)
          from stdin`.writable();
        await pipeline(
          Readable.from(
            (function* () {
              for (let k = stream; k < chunks; k += COPY_STREAMS) yield chunk(k);
            })(),
          ),
          copy,
        );
      }),
    );
  }
  const copySeconds = (performance.now() - copyStarted) / 1000;
  onProgress({ expensesWritten: written });
  // COPY bypasses the API: the seeded users are read live until a worker has rolled them up.
  if (userIds.length > 0) {
    await sql`
      select count(*) from graphile_worker.add_jobs(array(
        select json_populate_record(null::graphile_worker.job_spec, json_build_object(
          'identifier', 'rollup_user', 'payload', json_build_object('userId', id),
          'job_key', 'rollup_user:' || id, 'priority', 9))
        from unnest(${userIds}::bigint[]) as id))`;
  }
  await sql`analyze users, categories, category_keywords, expenses`;
  return { users: users.length, expenses: written, copySeconds };
}

/** On a brand-new embedded database, a small demo data set so GraphiQL has something to show. */
export async function seedDemoIfEmpty(
  sql: postgres.Sql,
  log: { info: (obj: object, msg: string) => void },
): Promise<void> {
  const [row] = await sql<{ any: boolean }[]>`select exists(select 1 from users) as any`;
  if (row?.any) return;
  const { users: seededUsers, expenses: seededExpenses } = await seed(sql, {
    users: 10,
    expenses: 5000,
  });
  log.info(
    {
      users: seededUsers,
      expenses: seededExpenses,
      email: `user1@${SEED_EMAIL_DOMAIN}`,
      password: SEED_PASSWORD,
    },
    'seeded demo data into the new embedded database',
  );
}
