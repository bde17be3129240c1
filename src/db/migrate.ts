import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { Logger, runMigrations as runWorkerMigrations } from 'graphile-worker';
import pg from 'pg';
import postgres from 'postgres';
import { emailKey } from '../email.js';

const quietLogger = new Logger(() => () => {});

const migrationsFolder = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../drizzle',
);
const CONNECT_TIMEOUT_S = 4;
/** Any fixed number: instances starting at once queue on this advisory lock. */
const MIGRATION_LOCK = 7_262_021;

/** Applies pending migrations; safe to run from several processes at once. */
export async function runMigrations(url: string): Promise<void> {
  // One dedicated connection, so the session-level lock and the migration share a session.
  // An unreachable database fails start-up in seconds, not at the OS's TCP timeout.
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: CONNECT_TIMEOUT_S });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder });
      await fixEmailKeys(sql);
      // graphile-worker's own schema, so the API can enqueue even where no worker runs.
      const pgPool = new pg.Pool({
        connectionString: url,
        max: 1,
        connectionTimeoutMillis: CONNECT_TIMEOUT_S * 1000,
      });
      pgPool.on('error', () => {});
      pgPool.on('connect', (client) => client.on('error', () => {}));
      try {
        await runWorkerMigrations({ pgPool, logger: quietLogger });
      } finally {
        await pgPool.end();
      }
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await sql.end();
  }
}

/**
 * The email keys of non-ASCII addresses as the application computes them: SQL's `lower()` under
 * a C locale leaves non-ASCII letters alone, so migration 0006 is exact for ASCII only. A key
 * another account already holds is left as it is (that account came first).
 */
async function fixEmailKeys(sql: postgres.Sql): Promise<void> {
  const rows = await sql<{ id: number; email: string; email_key: string }[]>`
    select id::int as id, email, email_key from users where email ~ '[^[:ascii:]]'`;
  for (const row of rows) {
    const key = emailKey(row.email);
    if (key === row.email_key || row.email_key.includes(' (duplicate of')) continue;
    await sql`
      update users set email_key = ${key}
      where id = ${row.id} and not exists (select 1 from users where email_key = ${key})`;
  }
}
