/**
 * Read replicas (DATABASE_REPLICA_URLS): a pool for each, and a tracker that reads every
 * REPLICA_POLL_MS how far each has replayed, so choosing one for a read asks no server anything.
 * A replica further behind than REPLICA_MAX_LAG_MS, or failing, is out of rotation until it
 * catches up; with none in rotation reads go to the primary. Polling starts with `start()` (the
 * API's start-up): a worker process records write positions but reads nothing here.
 *
 * Lag is 0 for a replica that has replayed the primary's position as of the same poll, and
 * otherwise the time since the last transaction it replayed committed: a paused or delayed
 * replica's lag grows while the primary takes writes, and an idle primary leaves a caught-up
 * replica at 0.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createPool, type Pool } from './client.js';
import { currentWalLsn, replayState } from './queries/replication.js';

export interface Replica {
  /** host:port/database, never the password. */
  readonly name: string;
  readonly pool: Pool;
}

export interface ReplicaState {
  readonly name: string;
  readonly inRotation: boolean;
  readonly replayed: bigint;
  readonly lagMs: number;
}

export interface ReplicaSet {
  /** A replica in rotation that has replayed `lsn` (round robin among them), or undefined. */
  pick(lsn: bigint): Replica | undefined;
  /** The same, waiting up to `ms` (polls) for one to replay it. */
  waitFor(lsn: bigint, ms: number): Promise<Replica | undefined>;
  states(): ReplicaState[];
  /** Starts polling the replicas (until then none is in rotation). */
  start(): void;
  close(): Promise<void>;
}

export interface ReplicaMetrics {
  readonly replicaLag: { set(labels: { replica: string }, value: number): void };
  readonly replicaInRotation: { set(labels: { replica: string }, value: number): void };
}

interface Tracked extends Replica {
  inRotation: boolean;
  replayed: bigint;
  lagMs: number;
  failing: boolean;
}

const nameOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
};

export function createReplicaSet(
  urls: readonly string[],
  config: Config,
  deps: { primary: Pool; log: Logger; metrics: ReplicaMetrics; applicationName: string },
): ReplicaSet {
  const { log, metrics } = deps;
  const maxLagMs = config.replicas.maxLagMs;
  const replicas: Tracked[] = urls.map((url) => ({
    name: nameOf(url),
    pool: createPool(url, config.db, `${deps.applicationName}-read`),
    // Out until the first poll has seen it replaying.
    inRotation: false,
    replayed: 0n,
    lagMs: Number.POSITIVE_INFINITY,
    failing: false,
  }));
  let next = 0;
  let waiters: (() => void)[] = [];
  let polling: Promise<void> | undefined;
  let closed = false;

  const setRotation = (replica: Tracked, inRotation: boolean, why: string) => {
    if (replica.inRotation !== inRotation) {
      log.warn(
        { replica: replica.name, lagMs: replica.lagMs, why },
        inRotation ? 'replica back in rotation' : 'replica out of rotation',
      );
    }
    replica.inRotation = inRotation;
    metrics.replicaInRotation.set({ replica: replica.name }, inRotation ? 1 : 0);
  };

  const poll = async () => {
    let primaryAt: bigint | undefined;
    try {
      primaryAt = await currentWalLsn(deps.primary);
    } catch {
      // The primary's trouble is its own (readiness, 503s): replicas keep their last state.
      return;
    }
    await Promise.all(
      replicas.map(async (replica) => {
        try {
          const state = await replayState(replica.pool);
          replica.replayed = state.replayed;
          replica.lagMs = state.replayed >= (primaryAt as bigint) ? 0 : state.sinceLastReplayMs;
          replica.failing = false;
          metrics.replicaLag.set({ replica: replica.name }, replica.lagMs / 1000);
          setRotation(replica, replica.lagMs <= maxLagMs, 'lag');
        } catch (error) {
          if (!replica.failing) {
            log.warn({ replica: replica.name, err: (error as Error).message }, 'replica failing');
          }
          replica.failing = true;
          setRotation(replica, false, 'failing');
        }
      }),
    );
  };
  const tick = () => {
    if (polling || closed) return;
    polling = poll().finally(() => {
      polling = undefined;
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    });
  };
  let timer: NodeJS.Timeout | undefined;
  const start = () => {
    if (timer || closed) return;
    timer = setInterval(tick, config.replicas.pollMs);
    timer.unref();
    tick();
  };

  const pick = (lsn: bigint): Replica | undefined => {
    for (let i = 0; i < replicas.length; i++) {
      const replica = replicas[(next + i) % replicas.length] as Tracked;
      if (replica.inRotation && replica.replayed >= lsn) {
        next = (next + i + 1) % replicas.length;
        return replica;
      }
    }
    return undefined;
  };
  const polled = () =>
    new Promise<void>((resolve) => {
      waiters.push(resolve);
    });

  return {
    pick,
    async waitFor(lsn, ms) {
      const until = performance.now() + ms;
      for (;;) {
        const replica = pick(lsn);
        if (replica || performance.now() >= until || closed) return replica;
        await Promise.race([
          polled(),
          new Promise((resolve) => setTimeout(resolve, Math.max(0, until - performance.now()))),
        ]);
      }
    },
    states: () =>
      replicas.map(({ name, inRotation, replayed, lagMs }) => ({
        name,
        inRotation,
        replayed,
        lagMs,
      })),
    start,
    async close() {
      closed = true;
      clearInterval(timer);
      await polling;
      for (const wake of waiters) wake();
      await Promise.all(replicas.map((replica) => replica.pool.end({ timeout: 5 })));
    },
  };
}
