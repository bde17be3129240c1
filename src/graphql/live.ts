/**
 * Live subscriptions (served by yoga over Server-Sent Events): a stream of a record's states. It
 * listens before it reads, so no change between the first read and the first event is missed;
 * it sends the current state first, then the state after each event of the record's topic (read
 * anew, never from a loader's cache), and ends after a final state or when the client leaves.
 */
import type { DomainEvent } from '../domain/events.js';
import type { Context } from './context.js';

export interface StreamOptions<T> {
  readonly topic: string;
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
 */
export async function recordStream<T>(
  ctx: Context,
  options: StreamOptions<T>,
): Promise<AsyncGenerator<T>> {
  const events = await ctx.events.subscribe(options.topic);
  return states(events, options);
}

async function* states<T>(
  events: AsyncIterableIterator<DomainEvent>,
  options: StreamOptions<T>,
): AsyncGenerator<T> {
  try {
    let state = await options.read();
    if (state === undefined) throw options.missing();
    yield state;
    while (!options.final?.(state)) {
      const next = await events.next();
      if (next.done) return;
      state = await options.read();
      if (state === undefined) return;
      yield state;
    }
  } finally {
    await events.return?.();
  }
}

/** Every event of a topic, as it comes, until the client leaves (listening when it resolves). */
export async function eventStream(
  ctx: Context,
  topic: string,
): Promise<AsyncGenerator<DomainEvent>> {
  return each(await ctx.events.subscribe(topic));
}

async function* each(events: AsyncIterableIterator<DomainEvent>): AsyncGenerator<DomainEvent> {
  try {
    for (;;) {
      const next = await events.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await events.return?.();
  }
}
