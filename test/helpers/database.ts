/**
 * Test databases on a real Postgres: a template migrated once per run, cloned per test file
 * (`create database x template t`). TEST_DATABASE_URL points at the server (any database on it).
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export const SERVER_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEMPLATE = 'ledgerline_test_template';

export function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export function adminSql() {
  return postgres(SERVER_URL, { max: 1, onnotice: () => {} });
}

export async function dropDatabase(sql: postgres.Sql, name: string): Promise<void> {
  await sql.unsafe(`drop database if exists "${name}" with (force)`);
}

/** A fresh database cloned from the migrated template; `drop()` removes it. */
export async function createTestDatabase(): Promise<{
  name: string;
  url: string;
  drop(): Promise<void>;
}> {
  const name = `ledgerline_test_${randomBytes(5).toString('hex')}`;
  const sql = adminSql();
  try {
    await sql.unsafe(`create database "${name}" template "${TEMPLATE}"`);
  } finally {
    await sql.end();
  }
  return {
    name,
    url: databaseUrl(name),
    async drop() {
      const admin = adminSql();
      try {
        await dropDatabase(admin, name);
      } finally {
        await admin.end();
      }
    },
  };
}
