/**
 * The Node HTTP entry. Every request body (any method but GET, HEAD and OPTIONS) is read here,
 * bounded by `maxBodyBytes` (413 past it, chunked or not), and handed to yoga whole: yoga's own
 * streaming limit wraps each body in a TransformStream pipe with abort signals, which cost ~20%
 * of a small query's throughput, so it is turned off (`maxRequestBodySize: false` in app.ts)
 * and this is the limit.
 *
 * A cached query answered from L1 is sent straight from here: for a hit, building WHATWG
 * Request/Response objects, abort signals and yoga's hook chain costs several times the lookup
 * itself. The cache semantics (key, auth, invalidation, ETag/304) are the response cache's own;
 * this only skips the plumbing. Browser requests with an Origin header always go through yoga,
 * which owns CORS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import { requestIdFrom } from '../graphql/observability.js';
import type { ResponseCache } from '../graphql/response-cache.js';
import type { Metrics } from '../metrics.js';
import {
  addVary,
  chooseEncoding,
  compress,
  type Encoding,
  MIN_COMPRESS_BYTES,
} from './compression.js';

export interface NodeHandlerOptions {
  // biome-ignore lint/suspicious/noExplicitAny: any yoga instance will do
  readonly yoga: YogaServerInstance<any, any>;
  readonly responseCache: ResponseCache | undefined;
  readonly maxBodyBytes: number;
  readonly metrics: Metrics;
}

class BodyTooLargeError extends Error {}

type Entry = NonNullable<ReturnType<ResponseCache['getLocal']>>;
/** A cached body compressed once per encoding (entries never change), reused by every hit. */
const compressed = new WeakMap<Entry, Partial<Record<Encoding, Promise<Buffer>>>>();

function compressedBody(entry: Entry, encoding: Encoding): Promise<Buffer> {
  const variants = compressed.get(entry) ?? {};
  compressed.set(entry, variants);
  variants[encoding] ??= compress(Buffer.from(entry.body), encoding);
  return variants[encoding];
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Answer now; drain (and drop) the rest so the client can read the 413.
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** The JSON media type to answer with, or undefined when the client accepts neither. */
function jsonMediaType(accept: string | undefined): string | undefined {
  if (!accept) return 'application/json';
  if (accept.includes('application/graphql-response+json'))
    return 'application/graphql-response+json';
  if (accept.includes('application/json') || accept.includes('*/*')) return 'application/json';
  return undefined;
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
  res.end(Buffer.from(await response.arrayBuffer()));
}

async function handlePost(options: NodeHandlerOptions, req: IncomingMessage, res: ServerResponse) {
  const started = performance.now();
  let body: Buffer;
  try {
    body = await readBody(req, options.maxBodyBytes);
  } catch (error) {
    const tooLarge = error instanceof BodyTooLargeError;
    res.writeHead(tooLarge ? 413 : 400, {
      'content-type': 'application/json',
      connection: 'close',
    });
    res.end(
      JSON.stringify({
        errors: [
          {
            message: tooLarge
              ? `Request body over ${options.maxBodyBytes} bytes`
              : 'Unreadable request body',
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ],
      }),
    );
    // Known paths only as labels, so scanners cannot grow the series without bound.
    const route = req.url === '/graphql' || req.url === '/webhooks/chat' ? req.url : 'other';
    options.metrics.httpRequests.inc({ route, status: tooLarge ? 413 : 400 });
    return;
  }
  const cache = options.responseCache;
  const cacheable =
    cache !== undefined &&
    req.url === '/graphql' &&
    req.headers.origin === undefined &&
    (req.headers['content-type'] ?? '').startsWith('application/json');
  if (!cacheable) {
    await forward(options, req, res, body);
    return;
  }
  let params: { query?: unknown; operationName?: unknown; variables?: unknown } | undefined;
  try {
    params = JSON.parse(body.toString('utf8'));
  } catch {
    params = undefined; // yoga answers the parse error
  }
  const mediaType = jsonMediaType(req.headers.accept);
  if (params && typeof params === 'object' && typeof params.query === 'string' && mediaType) {
    const authorization = req.headers.authorization ?? null;
    const lookup = await cache.prepare({
      authorization,
      query: params.query,
      operationName: typeof params.operationName === 'string' ? params.operationName : undefined,
      variables: params.variables,
    });
    const entry = lookup?.key === undefined ? undefined : cache.getLocal(lookup.key);
    if (entry) {
      const ifNoneMatch = req.headers['if-none-match'] ?? null;
      const out = cache.reply(
        entry,
        Array.isArray(ifNoneMatch) ? null : ifNoneMatch,
        'HIT',
        mediaType,
      );
      const requestId = req.headers['x-request-id'];
      const headers: Record<string, string> = {
        ...out.headers,
        'x-request-id': requestIdFrom(Array.isArray(requestId) ? undefined : requestId),
      };
      let body: Buffer | string | undefined = out.body ?? undefined;
      const encoding = chooseEncoding(req.headers['accept-encoding']);
      if (out.body !== null && encoding) {
        headers.vary = addVary(headers.vary ?? null, 'Accept-Encoding');
        if (Buffer.byteLength(out.body) >= MIN_COMPRESS_BYTES) {
          body = await compressedBody(entry, encoding);
          headers['content-encoding'] = encoding;
        }
      }
      res.writeHead(out.status, headers);
      res.end(body);
      options.metrics.httpRequests.inc({ route: '/graphql', status: out.status });
      options.metrics.httpDuration.observe(
        { route: '/graphql' },
        (performance.now() - started) / 1000,
      );
      return;
    }
  }
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
