/** A streaming GraphQL-over-SSE client for tests, as graphql-sse's distinct-connections client. */
import { expect } from 'vitest';
import type { Json } from './app.js';
import type { Client } from './cache-app.js';

export interface Stream {
  /** The next `next` payload, or undefined when the stream completed. */
  next(): Promise<Json | undefined>;
  close(): void;
}

/** Subscribes over SSE as graphql-sse's distinct-connections client does. */
export async function subscribe(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<Stream> {
  const abort = new AbortController();
  const response = await client.http.fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const pending: (Json | undefined)[] = [];
  let ended = false;
  const fill = async () => {
    while (pending.length === 0 && !ended) {
      const separator = buffer.indexOf('\n\n');
      if (separator >= 0) {
        const message = buffer.slice(0, separator);
        buffer = buffer.slice(separator + 2);
        const event = /^event: (.*)$/m.exec(message)?.[1];
        const data = message
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        if (event === 'next') pending.push(JSON.parse(data));
        else if (event === 'complete') {
          ended = true;
          pending.push(undefined);
        }
        continue;
      }
      const chunk = await reader.read();
      if (chunk.done) {
        ended = true;
        pending.push(undefined);
      } else buffer += decoder.decode(chunk.value, { stream: true });
    }
  };
  return {
    async next() {
      await fill();
      return pending.shift();
    },
    close: () => abort.abort(),
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
