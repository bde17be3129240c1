/** Statements about the database itself rather than any table. */
import type { Pool } from '../client.js';

/** A round trip that proves the database answers (readiness). */
export async function ping(pool: Pool): Promise<void> {
  await pool`select 1`;
}

/** The database's name and oid: a recreated database has a new oid. */
export async function databaseIdentity(pool: Pool): Promise<{ name: string; oid: string }> {
  const [row] = await pool<{ name: string; oid: string }[]>`
    select current_database() as name, oid::text as oid
    from pg_database where datname = current_database()`;
  if (!row) throw new Error('pg_database has no row for the current database');
  return row;
}
