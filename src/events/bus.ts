/**
 * The event bus live subscriptions listen on: committed writes publish (domain/events.ts), and
 * every instance hears every other's through Redis pub/sub (one extra connection per process,
 * subscribed to the topics its subscribers want), or, without Redis, in-process. When Redis is
 * unreachable an event is delivered to this process's subscribers only, and counted. Events
 * other instances published while this one's subscriber connection was down are lost to it: when
 * the connection is back, every listener hears a `resync`, so a stream of a record's states reads
 * it again instead of waiting for a transition it missed.
 */
import type { RedisClientType } from '@redis/client';
import { rateLimited } from '../domain/errors.js';
import { type DomainEvent, topicOf } from '../domain/events.js';
import type { Logger } from '../logger.js';

/** What a listener hears: a committed write's event, or that events may have been missed. */
export type BusEvent = DomainEvent | { readonly type: 'resync' };

export interface EventBus {
  /** Publishes an event of a committed write (never throws, never waits). */
  publish(event: DomainEvent): void;
  /**
   * Listens on a topic for `owner` (a user id); resolves once listening has begun (the Redis
   * SUBSCRIBE acknowledged), so state read after it cannot miss an event. `return()` stops
   * listening. Refuses (RATE_LIMITED) past the per-user or per-process limit of open streams.
   */
  subscribe(topic: string, owner: number): Promise<AsyncIterableIterator<BusEvent>>;
  /** Ends every open stream (shutdown): their subscriptions complete. Later ones end at once. */
  endAll(): void;
  /** Whether events travel through Redis now: both its connections are up (or there is none). */
  throughRedis(): boolean;
  close(): Promise<void>;
}

export interface StreamLimits {
  readonly perUser: number;
  readonly perProcess: number;
}

export interface StreamMetrics {
  readonly open: { inc(): void; dec(): void };
  readonly delivered: { inc(): void };
}

export interface EventBusOptions {
  /** Connected (or connecting) Redis; undefined: in-process only. */
  readonly redis: RedisClientType | undefined;
  /** Channels are `<prefix>:events:<topic>`, shared by the instances of a deployment. */
  readonly prefix: string;
  readonly log: Logger;
  /** Counts events delivered to this process only because Redis could not take them. */
  readonly onLocalOnly?: () => void;
  readonly limits: StreamLimits;
  readonly metrics?: StreamMetrics;
}

type Listener = (event: BusEvent) => void;

export function createEventBus(options: EventBusOptions): EventBus {
  const { redis, log } = options;
  const channelPrefix = `${options.prefix}:events:`;
  const listeners = new Map<string, Set<Listener>>();
  /** Open streams (each its end), and how many each user has. */
  const open = new Set<() => void>();
  const perOwner = new Map<number, number>();
  let ended = false;
  const finished = async (): Promise<AsyncIterableIterator<BusEvent>> => {
    const none: AsyncIterableIterator<BusEvent> = {
      next: async () => ({ done: true, value: undefined }),
      return: async () => ({ done: true, value: undefined }),
      [Symbol.asyncIterator]: () => none,
    };
    return none;
  };
  const deliver = (topic: string, event: BusEvent) => {
    for (const listener of listeners.get(topic) ?? []) listener(event);
  };
  const resync = () => {
    for (const topic of listeners.keys()) deliver(topic, { type: 'resync' });
  };

  let subscriber: RedisClientType | undefined;
  let connecting: Promise<RedisClientType | undefined> | undefined;
  const subscriberClient = () => {
    if (!redis) return Promise.resolve(undefined);
    connecting ??= (async () => {
      const client = redis.duplicate();
      client.on('error', (error: Error) =>
        log.warn({ err: error.message }, 'event subscriber redis error'),
      );
      // Back after a drop (its channels subscribed again): what was published meanwhile is lost.
      let dropped = false;
      client.on('end', () => {
        dropped = true;
      });
      client.on('reconnecting', () => {
        dropped = true;
      });
      client.on('ready', () => {
        if (!dropped) return;
        dropped = false;
        resync();
      });
      try {
        await client.connect();
        subscriber = client as RedisClientType;
        return subscriber;
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'event subscriber unavailable');
        connecting = undefined;
        return undefined;
      }
    })();
    return connecting;
  };
  const onMessage = (message: string, channel: string) => {
    try {
      deliver(channel.slice(channelPrefix.length), JSON.parse(message) as DomainEvent);
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'unreadable event message');
    }
  };

  const listen = async (topic: string, listener: Listener) => {
    let set = listeners.get(topic);
    const first = !set;
    if (!set) {
      set = new Set();
      listeners.set(topic, set);
    }
    set.add(listener);
    if (!first) return;
    const client = await subscriberClient();
    await client?.subscribe(`${channelPrefix}${topic}`, onMessage).catch((error: Error) => {
      log.warn({ err: error.message, topic }, 'event subscribe failed: local events only');
    });
  };
  const unlisten = (topic: string, listener: Listener) => {
    const set = listeners.get(topic);
    if (!set) return;
    set.delete(listener);
    if (set.size > 0) return;
    listeners.delete(topic);
    if (subscriber?.isReady) {
      subscriber.unsubscribe(`${channelPrefix}${topic}`).catch(() => {});
    }
  };

  const endAll = () => {
    ended = true;
    for (const end of [...open]) end();
  };

  return {
    publish(event) {
      const topic = topicOf(event);
      const localOnly = () => {
        options.onLocalOnly?.();
        deliver(topic, event);
      };
      if (!redis) {
        deliver(topic, event);
        return;
      }
      if (!redis.isReady) {
        localOnly();
        return;
      }
      redis.publish(`${channelPrefix}${topic}`, JSON.stringify(event)).catch(localOnly);
    },
    async subscribe(topic, owner) {
      if (ended) return finished();
      const mine = perOwner.get(owner) ?? 0;
      if (mine >= options.limits.perUser || open.size >= options.limits.perProcess) {
        throw rateLimited(
          mine >= options.limits.perUser
            ? `At most ${options.limits.perUser} open subscriptions per user`
            : 'This server has as many open subscriptions as it takes; try another or later',
          {},
        );
      }
      const queue: BusEvent[] = [];
      let wake: (() => void) | undefined;
      let done = false;
      const listener: Listener = (event) => {
        queue.push(event);
        if (event.type !== 'resync') options.metrics?.delivered.inc();
        wake?.();
      };
      const end = () => {
        if (done) return;
        done = true;
        wake?.();
        unlisten(topic, listener);
        open.delete(end);
        const left = (perOwner.get(owner) ?? 1) - 1;
        if (left > 0) perOwner.set(owner, left);
        else perOwner.delete(owner);
        options.metrics?.open.dec();
      };
      open.add(end);
      perOwner.set(owner, mine + 1);
      options.metrics?.open.inc();
      await listen(topic, listener);
      const iterator: AsyncIterableIterator<BusEvent> = {
        async next() {
          while (!done && queue.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
          const value = queue.shift();
          return done || value === undefined
            ? { done: true, value: undefined }
            : { done: false, value };
        },
        async return() {
          end();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
    throughRedis() {
      return !redis || (redis.isReady && subscriber?.isReady === true);
    },
    endAll,
    async close() {
      endAll();
      listeners.clear();
      const client = await connecting;
      if (client?.isOpen) await client.close().catch(() => client.destroy());
    },
  };
}
