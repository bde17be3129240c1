/**
 * Per-scope version counters: every cached response key includes the version of its scope, so a
 * write invalidates every response of that scope (lists and aggregates too, even ones cached
 * while empty) by bumping one number, with no key scans.
 *
 * Scopes: `user:<id>` (a user's own data), `global` (anything an admin can see). Versions live in
 * Redis (INCR) when it is configured, mirrored in L1; a bump is published on a Redis channel so
 * every instance updates its L1 mirror at once, and a subscriber that reconnects drops its
 * mirror (and L1), since it may have missed messages. Without Redis, versions are local.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClientType } from '@redis/client';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger.js';
import type { CacheMetrics } from '../metrics.js';
import { type CacheStore, withTimeout } from './store.js';

export interface Versions {
  /**
   * Applies every invalidation published before this call, by any instance: a PING on the
   * subscriber connection, whose reply Redis queues behind every message it has already
   * queued for us (one connection, in order), so once the PONG is here those messages have
   * been handled. Call before trusting L1 for a request. One Redis round trip; bounded by the
   * cache timeout (a slow or absent Redis leaves only the TTLs to bound staleness).
   */
  sync(): Promise<void>;
  /** The current version of a scope. */
  current(scope: string): Promise<number>;
  /** Bumps scopes, here and (through Redis) on every instance; resolves when done or timed out. */
  bump(scopes: readonly string[]): Promise<void>;
  /** Deletes entity keys here and on every instance. */
  evict(keys: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

interface Message {
  readonly from: string;
  readonly versions?: Record<string, number>;
  readonly evict?: string[];
}

export interface VersionsOptions {
  readonly namespace: string;
  readonly redis: RedisClientType | undefined;
  readonly store: CacheStore;
  readonly timeoutMs: number;
  readonly metrics: CacheMetrics;
  readonly log: Logger;
}

/** Mirrored versions are re-read from Redis at least this often, should a message be lost. */
const MIRROR_TTL_MS = 30_000;

export async function createVersions(options: VersionsOptions): Promise<Versions> {
  const { redis, namespace, store, metrics, timeoutMs } = options;
  // A lost read is a miss; a lost invalidation is a stale read elsewhere. Writes (INCR, PUBLISH)
  // therefore get a longer, still bounded, wait when Redis is slow (down, they fail at once).
  const writeTimeoutMs = Math.max(500, timeoutMs * 10);
  const instance = randomUUID();
  const channel = `${namespace}:invalidate`;
  const versionKey = (scope: string) => `${namespace}:v:${scope}`;
  const mirror = new LRUCache<string, number>({ max: 100_000, ttl: MIRROR_TTL_MS });
  /** Local floor per scope: a bump made here is never undone by an older remote read. */
  const floor = new Map<string, number>();
  const fail = (op: string) => metrics.errors.inc({ level: 'l2', op });

  function raise(scope: string, version: number) {
    const known = mirror.get(scope) ?? floor.get(scope) ?? 0;
    const next = Math.max(known, version);
    mirror.set(scope, next);
    floor.set(scope, next);
  }

  let subscriber: RedisClientType | undefined;
  if (redis) {
    subscriber = redis.duplicate();
    subscriber.on('error', () => {});
    // After a reconnect we may have missed bumps: forget what we knew and re-read from Redis.
    let connectedBefore = false;
    subscriber.on('ready', () => {
      if (connectedBefore) {
        mirror.clear();
        store.clearLocal();
        options.log.info('cache invalidation channel reconnected; dropped local cache');
      }
      connectedBefore = true;
    });
    const listen = subscriber
      .connect()
      .then(() =>
        subscriber?.subscribe(channel, (raw) => {
          let message: Message;
          try {
            message = JSON.parse(raw) as Message;
          } catch {
            return;
          }
          if (message.from === instance) return;
          for (const [scope, version] of Object.entries(message.versions ?? {})) {
            if (typeof version === 'number') raise(scope, version);
          }
          if (Array.isArray(message.evict)) store.evictLocal(message.evict);
          metrics.invalidations.inc({ kind: 'remote' });
        }),
      )
      .catch((error: Error) =>
        options.log.warn({ err: error.message }, 'cache channel unavailable'),
      );
    await withTimeout(listen, 2000).catch(() => {});
  }

  async function publish(message: Omit<Message, 'from'>) {
    if (!redis) return;
    try {
      await withTimeout(
        redis.publish(channel, JSON.stringify({ ...message, from: instance })),
        writeTimeoutMs,
      );
    } catch {
      fail('publish');
    }
  }

  return {
    async sync() {
      if (!subscriber?.isReady) return;
      try {
        await withTimeout(subscriber.ping(), timeoutMs);
      } catch {
        fail('sync');
      }
    },
    async current(scope) {
      const known = mirror.get(scope);
      if (known !== undefined) return known;
      let version = floor.get(scope) ?? 0;
      if (redis) {
        try {
          const stored = await withTimeout(redis.get(versionKey(scope)), timeoutMs);
          version = Math.max(version, Number(stored ?? 0));
        } catch {
          fail('version');
          // Not cached in the mirror: the next request asks Redis again.
          return version;
        }
      }
      raise(scope, version);
      return version;
    },
    async bump(scopes) {
      const versions: Record<string, number> = {};
      for (const scope of scopes) {
        metrics.invalidations.inc({ kind: 'version' });
        let next = (mirror.get(scope) ?? floor.get(scope) ?? 0) + 1;
        if (redis) {
          try {
            next = Math.max(next, await withTimeout(redis.incr(versionKey(scope)), writeTimeoutMs));
          } catch {
            fail('bump');
          }
        }
        raise(scope, next);
        versions[scope] = next;
      }
      await publish({ versions });
    },
    async evict(keys) {
      metrics.invalidations.inc({ kind: 'entity' }, keys.length);
      await store.delete(keys, writeTimeoutMs);
      await publish({ evict: [...keys] });
    },
    async stop() {
      if (subscriber?.isOpen) await subscriber.close().catch(() => subscriber?.destroy());
    },
  };
}
