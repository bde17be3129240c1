/**
 * The Node HTTP entry. Every request body (any method but GET, HEAD and OPTIONS) is read here,
 * bounded by `maxBodyBytes` (413 past it, chunked or not): yoga's own streaming limit wraps each
 * body in a TransformStream pipe with abort signals, which cost ~20% of a small query's
 * throughput, so it is turned off (`maxRequestBodySize: false` in app.ts) and this is the limit.
 *
 * A JSON POST to /graphql without an Origin header (browsers' go through yoga, which owns CORS)
 * is offered to the direct path (graphql-post.ts) first; what it declines, and every other
 * request, yoga serves.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import { rawJsonProblem } from '../graphql/variables-guard.js';
import type { Metrics } from '../metrics.js';
import type { createGraphqlPost } from './graphql-post.js';

export interface NodeHandlerOptions {
  // biome-ignore lint/suspicious/noExplicitAny: any yoga instance will do
  readonly yoga: YogaServerInstance<any, any>;
  /** Serves plain JSON POSTs itself (http/graphql-post.ts), or declines and yoga serves them. */
  readonly graphqlPost: ReturnType<typeof createGraphqlPost>;
  readonly maxBodyBytes: number;
  readonly metrics: Metrics;
}

class BodyTooLargeError extends Error {}

/**
 * After a 413 the rest of the body is read and dropped, up to DRAIN_BYTES (or four times the
 * limit) and DRAIN_MS, and the connection stays open meanwhile: closing it while the client
 * still sends makes the client's kernel reset it, which discards the 413 it had not read yet
 * (the client sees EPIPE or ECONNRESET). Past either bound the connection is cut.
 */
const DRAIN_BYTES = 16 * 1024 * 1024;
const DRAIN_MS = 10_000;

function dropRest(req: IncomingMessage, limit: number): void {
  let dropped = 0;
  const cut = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(cut, DRAIN_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > Math.max(DRAIN_BYTES, limit * 4)) cut();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        dropRest(req, limit);
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * What is wrong with a body's JSON before anything parses it (graphql/variables-guard.ts): too
 * deep, or too many values. JSON bodies as they are, form bodies by their JSON fields.
 */
function bodyProblem(req: IncomingMessage, body: Buffer): string | undefined {
  const type = req.headers['content-type'] ?? '';
  if (type.includes('json')) return rawJsonProblem(body);
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(body.toString('utf8'));
    for (const name of ['variables', 'extensions']) {
      const value = form.get(name);
      const problem = value === null ? undefined : rawJsonProblem(value);
      if (problem) return problem;
    }
  }
  return undefined;
}

function refuse(
  options: NodeHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  /** The body was not read to its end: the connection ends with this answer. */
  close: boolean,
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] }));
  // Known paths only as labels, so scanners cannot grow the series without bound.
  const route = req.url === '/graphql' || req.url === '/webhooks/chat' ? req.url : 'other';
  options.metrics.httpRequests.inc({ route, status });
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** Writes a streamed body chunk by chunk, minding backpressure; a client that leaves cancels it. */
async function streamTo(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  const reader = body.getReader();
  const cancel = () => {
    reader.cancel().catch(() => {});
  };
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      if (res.destroyed) return;
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    res.off('close', cancel);
  }
}

async function forward(
  options: NodeHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  // yoga routes by path; a fixed origin keeps a client's Host header out of URL parsing.
  // The Node request rides along as server context, for the client's address.
  const response = await options.yoga.fetch(
    new URL(req.url ?? '/', 'http://localhost'),
    { method: req.method, headers: toHeaders(req), body },
    { req },
  );
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body && response.headers.get('content-type')?.startsWith('text/event-stream')) {
    // A subscription's stream, event by event; a client that leaves cancels it (yoga then ends
    // the subscription).
    await streamTo(response.body, res);
    return;
  }
  res.end(Buffer.from(await response.arrayBuffer()));
}

async function handlePost(options: NodeHandlerOptions, req: IncomingMessage, res: ServerResponse) {
  const started = performance.now();
  let body: Buffer;
  try {
    body = await readBody(req, options.maxBodyBytes);
  } catch (error) {
    const tooLarge = error instanceof BodyTooLargeError;
    refuse(
      options,
      req,
      res,
      tooLarge ? 413 : 400,
      tooLarge ? `Request body over ${options.maxBodyBytes} bytes` : 'Unreadable request body',
      // The rest of an oversized body is drained (dropRest), so the connection stays usable.
      !tooLarge,
    );
    return;
  }
  const problem = bodyProblem(req, body);
  if (problem) {
    refuse(options, req, res, 400, problem, false);
    return;
  }
  const lean =
    req.url === '/graphql' &&
    req.headers.origin === undefined &&
    (req.headers['content-type'] ?? '').startsWith('application/json');
  if (lean && (await options.graphqlPost(req, res, body, started))) return;
  await forward(options, req, res, body);
}

export function createNodeHandler(options: NodeHandlerOptions) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    // Bodiless methods go straight to yoga; anything that may carry a body is read (bounded) here.
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      options.yoga(req, res);
      return;
    }
    handlePost(options, req, res).catch((error) => {
      options.yoga.logger.error(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        }),
      );
    });
  };
}
