/**
 * Live subscriptions (served by yoga over Server-Sent Events): a stream of a record's states. It
 * listens before it reads, so no change between the first read and the first event is missed;
 * it sends the current state first, then the state after each event of the record's topic (read
 * anew, never from a loader's cache; a state equal to the last one sent is skipped, as after a
 * resync), and ends after a final state or when the client leaves.
 */
import type { DomainEvent } from '../domain/events.js';
import type { Context } from './context.js';

export interface StreamOptions<T> {
  readonly topic: string;
  /** The subscriber (a user id), for the per-user limit of open streams. */
  readonly owner: number;
  /** The record as it is now, or undefined when it is gone (or not the viewer's). */
  read(): Promise<T | undefined>;
  /** Whether nothing can follow this state (the stream ends after sending it). */
  final?(state: T): boolean;
  /** What the first read finding nothing throws (NOT_FOUND). */
  missing(): Error;
}

/**
 * Resolves once listening has begun: a subscription field returns this promise, and yoga answers
 * (and a client learns the stream is open) only then, so no write after that is missed.
 *
 * Iterators written out rather than async generators: a generator waiting for the next event
 * cannot be returned (its return() queues behind that wait), so a client that leaves would hold
 * its stream and its listener until an event came; return() here ends the listening at once.
 */
export async function recordStream<T>(
  ctx: Context,
  options: StreamOptions<T>,
): Promise<AsyncIterableIterator<T>> {
  const events = await ctx.events.subscribe(options.topic, options.owner);
  let started = false;
  let finished = false;
  let last: string | undefined;
  const end = async (): Promise<IteratorResult<T>> => {
    finished = true;
    await events.return?.();
    return { done: true, value: undefined };
  };
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      if (finished) return { done: true, value: undefined };
      try {
        for (;;) {
          if (started) {
            const event = await events.next();
            if (event.done) return end();
          }
          const state = await options.read();
          if (state === undefined) {
            if (!started) throw options.missing();
            return end();
          }
          started = true;
          // An event that changed nothing this stream shows (a resync, a repeated publish).
          const seen = JSON.stringify(state);
          if (seen === last) continue;
          last = seen;
          // The final state is sent; the next call ends the stream.
          if (options.final?.(state)) finished = true;
          if (finished) await events.return?.();
          return { done: false, value: state };
        }
      } catch (error) {
        await end();
        throw error;
      }
    },
    return: end,
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * The events of a topic that `keep` maps to a value (undefined: skipped), as they come, until the
 * client leaves; listening when it resolves.
 */
export async function eventStream<T>(
  ctx: Context,
  topic: string,
  owner: number,
  /** Resyncs are skipped: the changes of expenses missed meanwhile cannot be told again. */
  keep: (event: DomainEvent) => T | undefined,
): Promise<AsyncIterableIterator<T>> {
  const events = await ctx.events.subscribe(topic, owner);
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        const event = await events.next();
        if (event.done) return { done: true, value: undefined };
        if (event.value.type === 'resync') continue;
        const value = keep(event.value);
        if (value !== undefined) return { done: false, value };
      }
    },
    async return() {
      await events.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
