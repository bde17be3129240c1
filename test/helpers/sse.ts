/**
 * Subscriptions as a client makes them: graphql-sse's own client in distinct-connections mode
 * (a POST with `Accept: text/event-stream` per operation), against an app over a real socket.
 */
import { createClient } from 'graphql-sse';
import type { Json } from './app.js';
import type { Client } from './cache-app.js';

export interface Stream {
  /** The next `next` payload, or undefined when the stream completed. */
  next(): Promise<Json | undefined>;
  close(): void;
}

/**
 * Resolves once the server has answered 200 with the event stream (it answers once it listens,
 * so no write after this is missed); rejects with graphql-sse's NetworkError (its `response`
 * the refusal: 429, 401…) when the server refuses.
 */
export async function subscribe(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<Stream> {
  const sse = createClient({
    url: `${client.http.origin}/graphql`,
    headers: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const pending: (Json | undefined)[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  const push = (item: Json | undefined) => {
    pending.push(item);
    wake?.();
  };
  let close = () => {};
  const opened = new Promise<void>((resolve, reject) => {
    const dispose = sse.subscribe(
      { query, variables },
      {
        next: (result) => push(result as Json),
        error: (error) => {
          failure = error;
          reject(error);
          push(undefined);
        },
        complete: () => push(undefined),
      },
      { connected: () => resolve() },
    );
    close = () => {
      dispose();
      sse.dispose();
    };
  });
  await opened;
  return {
    async next() {
      while (pending.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      const item = pending.shift();
      if (item === undefined && failure) throw failure;
      return item;
    },
    close: () => close(),
  };
}

/** Every `next` payload of a stream, once it completes. */
export async function untilComplete(stream: Stream): Promise<Json[]> {
  const payloads: Json[] = [];
  for (let payload = await stream.next(); payload; payload = await stream.next()) {
    payloads.push(payload);
  }
  return payloads;
}
