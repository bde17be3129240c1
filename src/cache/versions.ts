/**
 * Per-scope version counters: every cached response key includes the version of its scope, so a
 * write invalidates every response of that scope (lists and aggregates too, even ones cached
 * while empty) by bumping one number, with no key scans.
 *
 * Scopes: `user:<id>` (a user's own data), `global` (anything an admin can see). Versions live in
 * Redis (INCR) when it is configured, mirrored in L1; a bump is published on a Redis channel so
 * every instance updates its L1 mirror at once. Without Redis, versions are local.
 *
 * With Redis, the cache is trusted only while this instance hears the channel and knows which
 * Redis it talks to (the epoch, store.ts): versions and entries are kept per Redis run id, so a
 * Redis that restarts (empty, or back from a snapshot with older counters) can never hand out a
 * version number some instance already used for other data. Until the channel is back and the
 * epoch read again, and after any failed INCR or version read, nothing is served from or stored
 * in either level; re-establishing it drops L1 and the mirrored versions, as messages may have
 * been missed meanwhile. A write made here meanwhile still bumps its scopes in whatever Redis
 * answers now (other instances may already trust it and hold answers the write changed), and
 * again on re-establishing, before this instance trusts the cache.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClientType } from '@redis/client';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger.js';
import type { CacheMetrics } from '../metrics.js';
import { REDIS_RECONNECT_MAX_MS } from './redis-client.js';
import { type CacheStore, type Epoch, withTimeout } from './store.js';

export interface Versions {
  /**
   * Applies every invalidation published before this call, by any instance: a PING on the
   * subscriber connection, whose reply Redis queues behind every message it has already
   * queued for us (one connection, in order), so once the PONG is here those messages have
   * been handled. Call before trusting L1 for a request. One Redis round trip, bounded by the
   * cache timeout. False: the cache may not be used for this request (Redis down, slow, or
   * the channel not re-established yet).
   */
  sync(): Promise<boolean>;
  /** The current version of a scope; undefined when it cannot be known (do not use the cache). */
  current(scope: string): Promise<number | undefined>;
  /** Bumps scopes, here and (through Redis) on every instance; resolves when done or timed out. */
  bump(scopes: readonly string[]): Promise<void>;
  /** Deletes entity keys here and on every instance. */
  evict(keys: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

interface Message {
  readonly from: string;
  /** The Redis run id the versions belong to; messages of another epoch are ignored. */
  readonly epoch?: string;
  readonly versions?: Record<string, number>;
  readonly evict?: string[];
}

export interface VersionsOptions {
  readonly namespace: string;
  readonly redis: RedisClientType | undefined;
  readonly store: CacheStore;
  /** Shared with the store: set here once the channel is live. */
  readonly epoch: Epoch;
  readonly timeoutMs: number;
  readonly metrics: CacheMetrics;
  readonly log: Logger;
}

/** Mirrored versions are re-read from Redis at least this often, should a message be lost. */
const MIRROR_TTL_MS = 30_000;

/**
 * How long an instance back on Redis after losing it waits before it trusts the cache again:
 * every other instance has reconnected by then (their attempts are at most
 * REDIS_RECONNECT_MAX_MS apart) and bumped what its writes changed while it could not. Without
 * it, a write acknowledged on an instance still reconnecting was missed by one already back (the
 * fault suite's Redis experiment read stale answers across instances then).
 */
const RECONNECT_GRACE_MS = 2 * REDIS_RECONNECT_MAX_MS;

export async function createVersions(options: VersionsOptions): Promise<Versions> {
  const { redis, namespace, store, metrics, timeoutMs, epoch, log } = options;
  // A lost read is a miss; a lost invalidation is a stale read elsewhere. Writes (INCR, PUBLISH)
  // therefore get a longer, still bounded, wait when Redis is slow (down, they fail at once).
  const writeTimeoutMs = Math.max(500, timeoutMs * 10);
  const instance = randomUUID();
  const channel = `${namespace}:invalidate`;
  const versionKey = (scope: string, runId = epoch.current) => `${namespace}:v:${runId}:${scope}`;
  const mirror = new LRUCache<string, number>({ max: 100_000, ttl: MIRROR_TTL_MS });
  /** Local floor per scope: a bump made here is never undone by an older remote read. */
  const floor = new Map<string, number>();
  /**
   * Scopes written here whose bump did not reach Redis (suspended, or an INCR failed): bumped
   * when the cache is re-established, before this instance trusts it again, since the other
   * instances may have cached answers the write changed.
   */
  const pending = new Set<string>();
  /** Entity keys evicted here while suspended: deleted and announced the same way. */
  const pendingEvictions = new Set<string>();
  const fail = (op: string) => metrics.errors.inc({ level: 'l2', op });

  function raise(scope: string, version: number) {
    const known = mirror.get(scope) ?? floor.get(scope) ?? 0;
    const next = Math.max(known, version);
    mirror.set(scope, next);
    floor.set(scope, next);
  }

  if (!redis) {
    epoch.current = 'local';
    epoch.generation++;
  }

  let subscriber: RedisClientType | undefined;
  let stopped = false;
  let establishing: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  /** Stops using the cache here until the channel and the epoch are established again. */
  function untrust(reason: string) {
    if (stopped || epoch.current === undefined) return;
    epoch.current = undefined;
    epoch.generation++;
    log.warn({ reason }, 'shared cache suspended until Redis is reachable again');
    if (subscriber?.isReady) establish();
  }

  /**
   * Once the subscriber is (re)connected: a PING (ordered after its re-subscription), the
   * server's run id, then a clean slate (messages may have been missed), then trust.
   */
  function establish(): void {
    if (!redis || !subscriber || stopped || establishing) return;
    const client = subscriber;
    establishing = (async () => {
      try {
        await withTimeout(client.ping(), writeTimeoutMs);
        const info = await withTimeout(redis.info('server'), writeTimeoutMs);
        const runId = /run_id:(\w+)/.exec(info)?.[1];
        if (!runId) throw new Error('no run_id in INFO server');
        if (connectedBefore) {
          // Another instance may still be reconnecting, holding invalidations of writes it made
          // meanwhile; it reconnects within REDIS_RECONNECT_MAX_MS and sends them first thing.
          await sleep(RECONNECT_GRACE_MS, undefined, { ref: false });
        }
        if (!client.isReady) throw new Error('channel lost again');
        const changed = runId !== lastRunId;
        // Writes made here while suspended, bumped before trusting; each pass takes what is
        // pending before its awaits, so a write that arrives meanwhile is bumped by the next.
        for (let pass = 0; pending.size > 0 || pendingEvictions.size > 0; pass++) {
          if (pass === 5) throw new Error('writes keep arriving while re-establishing');
          const scopes = [...pending];
          const evictions = [...pendingEvictions];
          pending.clear();
          pendingEvictions.clear();
          try {
            await bumpIn(runId, scopes);
            await evictIn(runId, evictions);
          } catch (error) {
            for (const scope of scopes) pending.add(scope);
            for (const key of evictions) pendingEvictions.add(key);
            throw error;
          }
        }
        mirror.clear();
        store.clearLocal();
        if (changed) floor.clear();
        lastRunId = runId;
        epoch.current = runId;
        epoch.generation++;
        if (connectedBefore) {
          log.info({ redisRestarted: changed }, 'shared cache re-established; dropped local cache');
        }
        connectedBefore = true;
      } catch (error) {
        fail('establish');
        if (!stopped) {
          clearTimeout(retryTimer);
          retryTimer = setTimeout(() => {
            if (subscriber?.isReady && epoch.current === undefined) establish();
          }, 500);
          retryTimer.unref();
        }
        log.debug({ err: (error as Error).message }, 'shared cache not re-established yet');
      } finally {
        establishing = undefined;
      }
    })();
  }
  let lastRunId: string | undefined;
  let connectedBefore = false;

  if (redis) {
    subscriber = redis.duplicate();
    subscriber.on('error', () => untrust('invalidation channel error'));
    subscriber.on('reconnecting', () => untrust('invalidation channel reconnecting'));
    subscriber.on('end', () => untrust('invalidation channel closed'));
    subscriber.on('ready', () => {
      if (connectedBefore) establish();
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
          if (message.from === instance || message.epoch !== epoch.current) return;
          for (const [scope, version] of Object.entries(message.versions ?? {})) {
            if (typeof version === 'number') raise(scope, version);
          }
          if (Array.isArray(message.evict)) store.evictLocal(message.evict);
          metrics.invalidations.inc({ kind: 'remote' });
        }),
      )
      .then(() => {
        establish();
        return establishing;
      })
      .catch((error: Error) => log.warn({ err: error.message }, 'cache channel unavailable'));
    await withTimeout(listen, 2000).catch(() => {});
  }

  async function publish(message: Omit<Message, 'from' | 'epoch'>, runId = epoch.current) {
    if (!redis || runId === undefined) return;
    try {
      await withTimeout(
        redis.publish(channel, JSON.stringify({ ...message, from: instance, epoch: runId })),
        writeTimeoutMs,
      );
    } catch {
      fail('publish');
    }
  }

  /** INCRs `scopes` in the epoch `runId` and tells the instances there; throws on failure. */
  async function bumpIn(runId: string, scopes: readonly string[]): Promise<void> {
    if (!redis || scopes.length === 0) return;
    const versions: Record<string, number> = {};
    for (const scope of scopes) {
      versions[scope] = await withTimeout(redis.incr(versionKey(scope, runId)), writeTimeoutMs);
    }
    await withTimeout(
      redis.publish(channel, JSON.stringify({ versions, from: instance, epoch: runId })),
      writeTimeoutMs,
    );
  }

  /** Deletes entity keys in the epoch `runId` and tells the instances there; throws on failure. */
  async function evictIn(runId: string, keys: readonly string[]): Promise<void> {
    if (!redis || keys.length === 0) return;
    await store.deleteIn(runId, keys, writeTimeoutMs);
    await withTimeout(
      redis.publish(channel, JSON.stringify({ evict: keys, from: instance, epoch: runId })),
      writeTimeoutMs,
    );
  }

  /**
   * A write while this instance is suspended: other instances may already trust a restarted
   * Redis, and hold answers or entities the write changed. Invalidated there at once when Redis
   * answers (its run id read afresh), and again on re-establishing in any case.
   */
  async function whileSuspended(scopes: readonly string[], keys: readonly string[]) {
    for (const scope of scopes) pending.add(scope);
    for (const key of keys) pendingEvictions.add(key);
    if (!redis?.isReady) return;
    try {
      const info = await withTimeout(redis.info('server'), writeTimeoutMs);
      const runId = /run_id:(\w+)/.exec(info)?.[1];
      if (runId) {
        await bumpIn(runId, scopes);
        await evictIn(runId, keys);
      }
    } catch {
      fail('bump');
    }
  }

  // Requests that arrive while a PING is out share the next one: it is sent after they arrived,
  // so its PONG still proves every earlier invalidation was applied, and a burst of requests
  // costs Redis two PINGs rather than one each (100 at once timed out some of theirs on a busy
  // machine, and a request whose PING times out must do without the cache).
  let inFlight: Promise<boolean> | undefined;
  let next: Promise<boolean> | undefined;
  function ping(): Promise<boolean> {
    const sent = withTimeout((subscriber as RedisClientType).ping(), timeoutMs).then(
      () => true,
      () => {
        fail('sync');
        return false;
      },
    );
    inFlight = sent;
    void sent.then(() => {
      if (inFlight === sent) inFlight = undefined;
    });
    return sent;
  }
  function coalescedPing(): Promise<boolean> {
    if (!inFlight) return ping();
    next ??= inFlight.then(() => {
      next = undefined;
      return ping();
    });
    return next;
  }

  return {
    async sync() {
      if (!redis) return true;
      if (!subscriber?.isReady || epoch.current === undefined) return false;
      const generation = epoch.generation;
      return (await coalescedPing()) && epoch.generation === generation;
    },
    async current(scope) {
      const known = mirror.get(scope);
      if (known !== undefined) return known;
      let version = floor.get(scope) ?? 0;
      if (redis) {
        if (epoch.current === undefined) return undefined;
        const generation = epoch.generation;
        try {
          const stored = await withTimeout(redis.get(versionKey(scope)), timeoutMs);
          if (epoch.generation !== generation) return undefined;
          version = Math.max(version, Number(stored ?? 0));
        } catch {
          fail('version');
          return undefined;
        }
      }
      raise(scope, version);
      return version;
    },
    async bump(scopes) {
      const versions: Record<string, number> = {};
      const suspended: string[] = [];
      // The scopes' INCRs go out together: one round trip to Redis, not one per scope.
      const incrs: Promise<void>[] = [];
      for (const scope of scopes) {
        metrics.invalidations.inc({ kind: 'version' });
        if (!redis) {
          const next = (mirror.get(scope) ?? floor.get(scope) ?? 0) + 1;
          raise(scope, next);
          versions[scope] = next;
          continue;
        }
        // Suspended: nothing here is served from the cache (re-establishing drops it all), but
        // other instances' answers must still learn of the write.
        if (epoch.current === undefined) {
          suspended.push(scope);
          continue;
        }
        // Only Redis hands out version numbers: one made up here could be reached later by
        // another instance's INCR, for other data.
        incrs.push(
          withTimeout(redis.incr(versionKey(scope)), writeTimeoutMs).then(
            (next) => {
              raise(scope, next);
              versions[scope] = next;
            },
            () => {
              fail('bump');
              pending.add(scope);
              untrust('a version bump did not reach Redis');
            },
          ),
        );
      }
      await Promise.all(incrs);
      if (Object.keys(versions).length > 0) await publish({ versions });
      if (suspended.length > 0) await whileSuspended(suspended, []);
    },
    async evict(keys) {
      metrics.invalidations.inc({ kind: 'entity' }, keys.length);
      if (redis && epoch.current === undefined) {
        store.evictLocal(keys);
        await whileSuspended([], keys);
        return;
      }
      await store.delete(keys, writeTimeoutMs);
      await publish({ evict: [...keys] });
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      // close() waits for Redis; one that is down gets the socket destroyed instead.
      if (subscriber?.isOpen) {
        await withTimeout(subscriber.close(), 1000).catch(() => subscriber?.destroy());
      }
    },
  };
}
