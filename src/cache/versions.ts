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
  /**
   * Invalidates what a write changed, here and (through Redis) on every instance: bumps
   * `scopes` and deletes the entity `keys`, in one Redis command that also tells the other
   * instances. When `sent`, that command is on the shared connection as this returns (or has
   * already been refused, the connection being down), so a command sent on it afterwards (a
   * live event's PUBLISH) reaches Redis after it; while this instance is suspended it is not,
   * and only `done` orders what follows. `done` settles when Redis has answered or the wait
   * timed out; it never rejects.
   */
  invalidate(scopes: readonly string[], keys: readonly string[]): Invalidating;
  /** Bumps scopes (`invalidate` with no entity keys); resolves when done or timed out. */
  bump(scopes: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

export interface Invalidating {
  readonly sent: boolean;
  readonly done: Promise<void>;
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

/**
 * One invalidation, atomically: INCR each scope's version (KEYS[1..n]), DEL the entity keys
 * (KEYS[n+1..]) and PUBLISH the new versions and the evicted keys to the other instances.
 * ARGV: channel, instance, epoch, n, the n scope names, the entity keys as the instances know
 * them. Returns the new versions in scope order. One command, so a write's live events can
 * go out right behind it on the same connection (db/unit-of-work.ts) without waiting for it.
 */
const INVALIDATE = `
local n = tonumber(ARGV[4])
local versions = {}
local result = {}
for i = 1, n do
  local version = redis.call('INCR', KEYS[i])
  versions[ARGV[4 + i]] = version
  result[i] = version
end
local message = { from = ARGV[2], epoch = ARGV[3] }
if n > 0 then message.versions = versions end
if #KEYS > n then
  local evict = {}
  for i = n + 1, #KEYS do
    redis.call('DEL', KEYS[i])
    evict[#evict + 1] = ARGV[4 + i]
  end
  message.evict = evict
end
redis.call('PUBLISH', ARGV[1], cjson.encode(message))
return result
`;

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
            await invalidateIn(runId, scopes, evictions);
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
          if (message.epoch !== epoch.current) return;
          // This instance's own messages too: a client that hears a write's event may ask here
          // before the invalidation's answer has come back on the other connection, and sync()
          // waits for this channel only. Raising a version and evicting again are harmless.
          for (const [scope, version] of Object.entries(message.versions ?? {})) {
            if (typeof version === 'number') raise(scope, version);
          }
          if (Array.isArray(message.evict)) store.evictLocal(message.evict);
          if (message.from !== instance) metrics.invalidations.inc({ kind: 'remote' });
        }),
      )
      .then(() => {
        establish();
        return establishing;
      })
      .catch((error: Error) => log.warn({ err: error.message }, 'cache channel unavailable'));
    await withTimeout(listen, 2000).catch(() => {});
  }

  /**
   * Invalidates in the epoch `runId` (the INVALIDATE script); the command is sent before this
   * returns. Rejects on failure.
   */
  function invalidateIn(
    runId: string,
    scopes: readonly string[],
    keys: readonly string[],
  ): Promise<void> {
    if (!redis || (scopes.length === 0 && keys.length === 0)) return Promise.resolve();
    const reply = redis.eval(INVALIDATE, {
      keys: [
        ...scopes.map((scope) => versionKey(scope, runId)),
        ...keys.map((key) => store.sharedKey(key, runId)),
      ],
      arguments: [channel, instance, runId, String(scopes.length), ...scopes, ...keys],
    });
    return withTimeout(reply, writeTimeoutMs).then((versions) => {
      if (keys.length > 0) metrics.evictions.inc({ level: 'l2' }, keys.length);
      // Versions of another epoch (a write while suspended) are not this instance's to mirror.
      if (runId !== epoch.current) return;
      for (const [i, scope] of scopes.entries()) raise(scope, Number((versions as number[])[i]));
    });
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
      if (runId) await invalidateIn(runId, scopes, keys);
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

  function invalidate(scopes: readonly string[], keys: readonly string[]): Invalidating {
    if (scopes.length > 0) metrics.invalidations.inc({ kind: 'version' }, scopes.length);
    if (keys.length > 0) metrics.invalidations.inc({ kind: 'entity' }, keys.length);
    store.evictLocal(keys);
    if (!redis) {
      for (const scope of scopes) raise(scope, (mirror.get(scope) ?? floor.get(scope) ?? 0) + 1);
      return { sent: true, done: Promise.resolve() };
    }
    // Suspended: nothing here is served from the cache (re-establishing drops it all), but
    // other instances' answers must still learn of the write. Only Redis hands out version
    // numbers: one made up here could be reached later by another instance's INCR, for other
    // data.
    const runId = epoch.current;
    if (runId === undefined) return { sent: false, done: whileSuspended(scopes, keys) };
    const done = invalidateIn(runId, scopes, keys).catch(() => {
      fail('bump');
      for (const scope of scopes) pending.add(scope);
      for (const key of keys) pendingEvictions.add(key);
      untrust('an invalidation did not reach Redis');
    });
    return { sent: true, done };
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
    invalidate,
    bump: (scopes) => invalidate(scopes, []).done,
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
