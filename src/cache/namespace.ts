import type { Pool } from '../db/client.js';

/**
 * The prefix of every cache key: the database's name and oid, unless CACHE_NAMESPACE is set.
 * Instances on the same database share entries; a recreated database (new oid) or another
 * database on the same Redis never sees them.
 */
export async function cacheNamespace(pool: Pool, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const [row] = await pool<{ name: string; oid: string }[]>`
    select current_database() as name, oid::text as oid
    from pg_database where datname = current_database()`;
  return `ll:${row?.name}:${row?.oid}`;
}
