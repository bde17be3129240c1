import { runMigrations } from '../../src/db/migrate.js';
import { adminSql, databaseUrl, dropDatabase, TEMPLATE } from './database.js';

/** Migrates the template database once per test run. */
export default async function setup(): Promise<void> {
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
}
