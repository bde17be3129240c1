/**
 * Read-your-writes across read replicas: after a write commits, the primary's WAL position is
 * recorded for each user whose data it changed, and for everyone (admins read every user's
 * data); a query by that user may read from a replica only once it has replayed that position
 * (db/replicas.ts). Kept in Redis when configured, so every instance knows of every instance's
 * writes, else in this process.
 *
 * Recorded before the cache is invalidated (db/unit-of-work.ts), and read after the response
 * cache has looked up its versions: an answer computed on a replica that has replayed the
 * position has seen every write whose invalidation that lookup saw, so it is safe to cache.
 */
import type { RedisClientType } from '@redis/client';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger.js';
import type { Pool } from './client.js';
import { currentWalLsn, systemIdentifier } from './queries/replication.js';

export interface WritePositions {
  /** After a commit that changed these users' data (never throws: the write has committed). */
  recordAfterCommit(userIds: ReadonlySet<number>): Promise<void>;
  /**
   * The position a read by this viewer must see: its own last write's (an admin's: anyone's);
   * 0 for no viewer; undefined when it cannot be known now (Redis failing): read the primary.
   */
  required(
    viewer: { readonly id: number; readonly role: string } | null,
  ): Promise<bigint | undefined>;
}

/**
 * How long a position is kept: far past any lag a replica in rotation may have, after which
 * every replica in rotation has replayed it anyway.
 */
const KEEP_SECONDS = 3600;

/** Sets each key to the position unless it holds a later one (positions fit a double's 2^53). */
const RECORD_SCRIPT = `
for _, key in ipairs(KEYS) do
  local current = tonumber(redis.call('GET', key) or '0')
  if tonumber(ARGV[1]) > current then
    redis.call('SET', key, ARGV[1], 'EX', ARGV[2])
  else
    redis.call('EXPIRE', key, ARGV[2])
  end
end
return 1`;

export function createWritePositions(deps: {
  readonly primary: Pool;
  readonly redis: RedisClientType | undefined;
  /** Shared by a deployment's instances (the cache namespace). */
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly log: Logger;
}): WritePositions {
  const { redis, log } = deps;
  // Positions of one cluster: a new one (recreated, restored) starts its WAL again, and a
  // position of the old one would send every read to the primary until it expired.
  let cluster: Promise<string> | undefined;
  const prefix = () => {
    cluster ??= systemIdentifier(deps.primary).then(
      (id) => `${deps.prefix}:lsn:${id}`,
      (error) => {
        cluster = undefined;
        throw error;
      },
    );
    return cluster;
  };
  const everyone = async () => `${await prefix()}:all`;
  const keyOf = async (userId: number) => `${await prefix()}:user:${userId}`;
  const local = new LRUCache<string, bigint>({ max: 100_000, ttl: KEEP_SECONDS * 1000 });
  const raise = (key: string, lsn: bigint) => {
    if ((local.get(key) ?? 0n) < lsn) local.set(key, lsn);
  };
  const bounded = <T>(promise: Promise<T>) =>
    Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('redis timed out')), deps.timeoutMs).unref(),
      ),
    ]);

  return {
    async recordAfterCommit(userIds) {
      if (userIds.size === 0) return;
      let lsn: bigint;
      let keys: string[];
      try {
        lsn = await currentWalLsn(deps.primary);
        keys = [await everyone(), ...(await Promise.all([...userIds].map(keyOf)))];
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'write position unknown');
        return;
      }
      for (const key of keys) raise(key, lsn);
      if (!redis) return;
      try {
        await bounded(
          redis.eval(RECORD_SCRIPT, { keys, arguments: [String(lsn), String(KEEP_SECONDS)] }),
        );
      } catch (error) {
        // Other instances may now read this user's data from a replica that has not replayed
        // the write, until one has (REPLICA_MAX_LAG_MS bounds how long that can be).
        log.warn({ err: (error as Error).message }, 'write position not shared');
      }
    },
    async required(viewer) {
      if (!viewer) return 0n;
      let key: string;
      try {
        key = viewer.role === 'admin' ? await everyone() : await keyOf(viewer.id);
      } catch {
        return undefined;
      }
      const known = local.get(key) ?? 0n;
      if (!redis) return known;
      try {
        const stored = await bounded(redis.get(key));
        const shared = stored ? BigInt(stored) : 0n;
        return shared > known ? shared : known;
      } catch {
        return undefined;
      }
    },
  };
}
