/** Builds the cache parts for an app: the two-level store, versions with their channel, entities. */
import type { RedisClientType } from '@redis/client';
import type { Config } from '../config.js';
import type { Pool } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { CacheMetrics } from '../metrics.js';
import { createEntityCache, type EntityCache, type EntityType } from './entities.js';
import { cacheNamespace } from './namespace.js';
import { type CacheStore, createCacheStore, type Epoch } from './store.js';
import { createVersions, type Invalidating, type Versions } from './versions.js';

export interface Cache {
  readonly namespace: string;
  readonly store: CacheStore;
  readonly versions: Versions;
  readonly entities: EntityCache;
}

/**
 * What writers call after a commit: the changed entities are evicted and the changed users'
 * answers (and every admin's) invalidated, everywhere (nothing when caching is off). See
 * `Versions.invalidate` for `sent` and `done`.
 */
export interface Invalidation {
  invalidate(changed: {
    readonly entities: readonly (readonly [EntityType, number])[];
    readonly users: ReadonlySet<number>;
  }): Invalidating;
}

export async function createCache(
  config: Config['cache'],
  deps: { pool: Pool; redis: RedisClientType | undefined; metrics: CacheMetrics; log: Logger },
): Promise<Cache> {
  const namespace = await cacheNamespace(deps.pool, config.namespace);
  // Unset until the invalidation channel is live (versions.ts); the store waits for it.
  const epoch: Epoch = { current: undefined, generation: 0 };
  const store = createCacheStore({
    epoch,
    l1MaxEntries: config.l1MaxEntries,
    l1MaxBytes: config.l1MaxBytes,
    redisTimeoutMs: config.redisTimeoutMs,
    redis: deps.redis,
    metrics: deps.metrics,
    log: deps.log,
  });
  const versions = await createVersions({
    namespace,
    epoch,
    redis: deps.redis,
    store,
    timeoutMs: config.redisTimeoutMs,
    metrics: deps.metrics,
    log: deps.log,
  });
  const entities = createEntityCache(store, namespace, config.entityTtlSeconds * 1000);
  return { namespace, store, versions, entities };
}

const nothing: Invalidating = { sent: true, done: Promise.resolve() };

export function createInvalidation(cache: Cache | undefined): Invalidation {
  return {
    invalidate({ entities, users }) {
      if (!cache || (entities.length === 0 && users.size === 0)) return nothing;
      const scopes = users.size > 0 ? [...[...users].map((id) => `user:${id}`), 'global'] : [];
      return cache.versions.invalidate(
        scopes,
        entities.map(([type, id]) => cache.entities.key(type, id)),
      );
    },
  };
}
