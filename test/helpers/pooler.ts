/**
 * `TEST_VIA_PGBOUNCER=1 npm test` runs the suite's apps through a PgBouncer in transaction mode
 * (global-setup starts one and sets TEST_PGBOUNCER_PORT): an app on the shared server gets
 * DATABASE_URL through it with DB_PREPARE=false, and DATABASE_DIRECT_URL for migrations and
 * graphile-worker. Tests' own clients, and Postgres servers of a test's own, stay direct.
 */
export function databaseSettings(databaseUrl: string): Record<string, string> {
  const port = process.env.TEST_PGBOUNCER_PORT;
  const url = new URL(databaseUrl);
  if (!port || url.host !== '127.0.0.1:5432') return { DATABASE_URL: databaseUrl };
  url.port = port;
  return { DATABASE_URL: url.toString(), DB_PREPARE: 'false', DATABASE_DIRECT_URL: databaseUrl };
}
