/**
 * The two-level store: L1 an in-process LRU (lru-cache, bounded by entries, bytes and TTL), L2
 * Redis through Keyv and @keyv/redis. A get tries L1, then L2 (filling L1), then the caller's
 * source. L1 is used directly rather than through Keyv: it is the hottest path, and Keyv's async
 * wrapping and expiry envelope would cost more than the lookup itself.
 *
 * A cache failure is a miss, never an error: every L2 operation is bounded by a timeout, and
 * failures are counted and logged (at most once a minute), then served from the next level.
 */
import KeyvRedis from '@keyv/redis';
import type { RedisClientType } from '@redis/client';
import Keyv from 'keyv';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger.js';
import type { CacheMetrics } from '../metrics.js';

export type CacheKind = 'response' | 'entity' | 'document';

/**
 * Which Redis the shared cache talks to: its server's run id, which changes whenever Redis
 * restarts (its data then lost, or rolled back to a snapshot, with or without persistence).
 * Every L2 key carries it, so entries and versions of an earlier Redis life are never read
 * again. Unset while the invalidation channel is down or not yet re-established: instances
 * cannot hear each other's writes then, so nothing is read from or written to either level
 * (cache/versions.ts sets it). `generation` counts the changes, for reads that span one.
 */
export interface Epoch {
  current: string | undefined;
  generation: number;
}

export interface CacheStore {
  /** L1 only, synchronous: the hot path of the response cache. */
  getLocal<T>(key: string, kind: CacheKind, countMiss?: boolean): T | undefined;
  /** L1, then L2 (filling L1). */
  get<T>(key: string, kind: CacheKind, ttlMs: number): Promise<T | undefined>;
  /** Many keys at once: L1, then one L2 round trip for the rest. */
  getMany<T>(keys: readonly string[], kind: CacheKind, ttlMs: number): Promise<(T | undefined)[]>;
  /** Writes L1 at once and L2 in the background (never rejects). */
  set<T>(key: string, value: T, ttlMs: number, kind: CacheKind, sizeBytes?: number): void;
  setMany<T>(entries: readonly [string, T][], ttlMs: number, kind: CacheKind): void;
  /**
   * The Redis key of `key` in the epoch `runId`: invalidation (versions.ts) deletes entries in
   * the same Redis command that bumps versions and tells the other instances.
   */
  sharedKey(key: string, runId: string): string;
  /** Drops keys from L1 only (another instance changed them). */
  evictLocal(keys: readonly string[]): void;
  /** Drops all of L1 (after missing invalidation messages). */
  clearLocal(): void;
  /** Whether an L2 is configured. */
  readonly shared: boolean;
}

export interface CacheStoreOptions {
  readonly l1MaxEntries: number;
  readonly l1MaxBytes: number;
  readonly redisTimeoutMs: number;
  readonly redis: RedisClientType | undefined;
  /** Required with `redis`: the epoch its keys are in. */
  readonly epoch?: Epoch;
  readonly metrics: CacheMetrics;
  readonly log: Logger;
}

export class CacheTimeoutError extends Error {}

/** Resolves like `promise`, or rejects with CacheTimeoutError after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CacheTimeoutError(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Logs a repeated failure at most once a minute per operation; counts every one. */
function createErrorReporter(metrics: CacheMetrics, log: Logger) {
  const lastLogged = new Map<string, number>();
  return (op: string, error: unknown) => {
    metrics.errors.inc({ level: 'l2', op });
    const now = Date.now();
    if ((lastLogged.get(op) ?? 0) < now - 60_000) {
      lastLogged.set(op, now);
      log.warn(
        { op, err: (error as Error)?.message },
        'redis cache operation failed; served as a miss',
      );
    }
  };
}

interface L1Entry {
  readonly value: unknown;
}

export function createCacheStore(options: CacheStoreOptions): CacheStore {
  const { metrics } = options;
  const l1 = new LRUCache<string, L1Entry>({
    max: options.l1MaxEntries,
    maxSize: options.l1MaxBytes,
    sizeCalculation: () => 1,
    ttlAutopurge: false,
    dispose: (_value, _key, reason) => {
      if (reason === 'evict' || reason === 'expire') metrics.evictions.inc({ level: 'l1' });
    },
  });
  const report = createErrorReporter(metrics, options.log);
  const l2 = options.redis
    ? new Keyv({
        store: new KeyvRedis(options.redis, { throwOnErrors: true, throwOnConnectError: true }),
        useKeyPrefix: false,
        throwOnErrors: true,
      })
    : undefined;
  // Our keys carry their own namespace: no 'keyv::' prefix (as @keyv/redis's createKeyv does).
  if (l2) l2.namespace = undefined;
  // Keyv re-emits store errors; each failing call is already counted where it is awaited.
  l2?.on('error', () => {});
  const timeout = options.redisTimeoutMs;
  const epoch: Epoch = options.epoch ?? { current: 'local', generation: 0 };
  /** Whether the cache may be used now (always, without Redis). */
  const usable = () => !l2 || epoch.current !== undefined;
  // Keyv's namespace is off (above): these are the keys as Redis has them.
  const sharedKey = (key: string, runId: string) => `${key}#${runId}`;
  const l2Key = (key: string) => sharedKey(key, epoch.current as string);

  function putLocal(key: string, value: unknown, ttlMs: number, sizeBytes = 256) {
    l1.set(key, { value }, { ttl: ttlMs, size: Math.max(1, sizeBytes) });
  }

  async function fromL2<T>(keys: readonly string[], kind: CacheKind, ttlMs: number) {
    if (!l2 || keys.length === 0 || !usable()) return keys.map(() => undefined);
    const generation = epoch.generation;
    try {
      const values = (await withTimeout(l2.getMany<T>(keys.map(l2Key)), timeout)) as (
        | T
        | undefined
      )[];
      // Redis changed meanwhile: what was read belongs to its earlier life.
      if (epoch.generation !== generation) return keys.map(() => undefined);
      return keys.map((key, i) => {
        const value = values[i];
        if (value === undefined || value === null) {
          metrics.misses.inc({ level: 'l2', kind });
          return undefined;
        }
        metrics.hits.inc({ level: 'l2', kind });
        putLocal(key, value, ttlMs);
        return value;
      });
    } catch (error) {
      report('get', error);
      return keys.map(() => undefined);
    }
  }

  const store: CacheStore = {
    shared: l2 !== undefined,
    getLocal<T>(key: string, kind: CacheKind, countMiss = true) {
      if (!usable()) return undefined;
      const entry = l1.get(key);
      if (entry === undefined) {
        if (countMiss) metrics.misses.inc({ level: 'l1', kind });
        return undefined;
      }
      metrics.hits.inc({ level: 'l1', kind });
      return entry.value as T;
    },
    async get<T>(key: string, kind: CacheKind, ttlMs: number) {
      const local = store.getLocal<T>(key, kind);
      if (local !== undefined) return local;
      const [remote] = await fromL2<T>([key], kind, ttlMs);
      return remote;
    },
    async getMany<T>(keys: readonly string[], kind: CacheKind, ttlMs: number) {
      const values = keys.map((key) => store.getLocal<T>(key, kind));
      const missing = keys.filter((_, i) => values[i] === undefined);
      const remote = await fromL2<T>(missing, kind, ttlMs);
      let next = 0;
      return values.map((value) => (value === undefined ? remote[next++] : value));
    },
    set(key, value, ttlMs, kind, sizeBytes) {
      if (!usable()) return;
      putLocal(key, value, ttlMs, sizeBytes);
      metrics.sets.inc({ level: 'l1', kind });
      if (!l2) return;
      withTimeout(l2.set(l2Key(key), value, ttlMs), timeout).then(
        () => metrics.sets.inc({ level: 'l2', kind }),
        (error) => report('set', error),
      );
    },
    setMany(entries, ttlMs, kind) {
      if (!usable()) return;
      for (const [key, value] of entries) putLocal(key, value, ttlMs);
      metrics.sets.inc({ level: 'l1', kind }, entries.length);
      if (!l2 || entries.length === 0) return;
      withTimeout(
        l2.setMany(entries.map(([key, value]) => ({ key: l2Key(key), value, ttl: ttlMs }))),
        timeout,
      ).then(
        () => metrics.sets.inc({ level: 'l2', kind }, entries.length),
        (error) => report('set', error),
      );
    },
    sharedKey,
    evictLocal(keys) {
      for (const key of keys) l1.delete(key);
    },
    clearLocal() {
      l1.clear();
    },
  };
  return store;
}
