import type { Pool } from '../db/client.js';
import { databaseIdentity } from '../db/queries/database.js';

/**
 * The prefix of every cache key: the database's name and oid, unless CACHE_NAMESPACE is set.
 * Instances on the same database share entries; a recreated database (new oid) or another
 * database on the same Redis never sees them.
 */
export async function cacheNamespace(pool: Pool, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const { name, oid } = await databaseIdentity(pool);
  return `ll:${name}:${oid}`;
}
