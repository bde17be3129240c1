import { runMigrations } from '../../src/db/migrate.js';
import { adminSql, databaseUrl, dropDatabase, TEMPLATE } from './database.js';
import { startPgBouncer } from './pgbouncer.js';

/**
 * Migrates the template database once per test run; with TEST_VIA_PGBOUNCER=1, starts the
 * PgBouncer the apps go through (pooler.ts) and stops it after the run.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const sql = adminSql();
  try {
    await sql.unsafe(`alter database "${TEMPLATE}" is_template false`).catch(() => {});
    await dropDatabase(sql, TEMPLATE);
    await sql.unsafe(`create database "${TEMPLATE}"`);
    await runMigrations(databaseUrl(TEMPLATE));
    await sql.unsafe(`alter database "${TEMPLATE}" is_template true`);
  } finally {
    await sql.end();
  }
  if (process.env.TEST_VIA_PGBOUNCER !== '1') return undefined;
  const bouncer = await startPgBouncer();
  process.env.TEST_PGBOUNCER_PORT = String(bouncer.port);
  return () => bouncer.stop();
}
