/**
 * Hot single-row lookups (users, categories, a category's keywords) read through the two-level
 * store before Postgres. Writers evict the keys they change (see `entityKeys`); rows that do not
 * exist are not cached, so a later insert is seen at once.
 */
import type { CacheStore } from './store.js';

export type EntityType = 'user' | 'category' | 'keywords';

export interface EntityCache {
  key(type: EntityType, id: number): string;
  /** Values for the ids found in the cache or, for the rest, by one call to `fetch`. */
  loadMany<V>(
    type: EntityType,
    ids: readonly number[],
    fetch: (ids: number[]) => Promise<Map<number, V>>,
  ): Promise<Map<number, V>>;
}

export function createEntityCache(
  store: CacheStore,
  namespace: string,
  ttlMs: number,
): EntityCache {
  const key = (type: EntityType, id: number) => `${namespace}:e:${type}:${id}`;
  return {
    key,
    async loadMany(type, ids, fetch) {
      const cached = await store.getMany<never>(
        ids.map((id) => key(type, id)),
        'entity',
        ttlMs,
      );
      const found = new Map<number, never>();
      const missing: number[] = [];
      ids.forEach((id, i) => {
        const value = cached[i];
        if (value === undefined) missing.push(id);
        else found.set(id, value);
      });
      if (missing.length === 0) return found;
      const fetched = await fetch(missing);
      store.setMany(
        [...fetched].map(([id, value]) => [key(type, id), value] as [string, unknown]),
        ttlMs,
        'entity',
      );
      for (const [id, value] of fetched) found.set(id, value as never);
      return found;
    },
  };
}
