/**
 * A GraphQL operation POSTed as JSON, served from the Node request without yoga's Fetch API
 * plumbing: no WHATWG Request, Headers or Response objects, no hook chains of the HTTP layer,
 * one cache lookup. The GraphQL layer is yoga's own (its envelop: the parse and validation
 * caches, every plugin's parse, validate, context and execute hooks, error masking), so an
 * operation runs exactly as it would through yoga.
 *
 * It serves the common case only and hands everything else to yoga before anything ran: bodies
 * that are not one operation object, browser requests (yoga owns CORS), subscriptions, and any
 * operation that does not parse, validate, resolve its persisted document or build a context
 * (yoga then answers with its own error responses).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { type ExecutionResult, getOperationAST } from 'graphql';
import { processRegularResult, type YogaServerInstance } from 'graphql-yoga';
import { jsonMediaType } from '../graphql/media-type.js';
import { requestIdOf } from '../graphql/observability.js';
import type { createPersistedResolver } from '../graphql/persisted-operations.js';
import type {
  CachedResponse,
  CacheTicket,
  Lookup,
  ResponseCache,
} from '../graphql/response-cache.js';
import { badShape, variablesProblem } from '../graphql/variables-guard.js';
import type { Metrics } from '../metrics.js';
import {
  addVary,
  chooseEncoding,
  compress,
  type Encoding,
  MIN_COMPRESS_BYTES,
} from './compression.js';

export interface GraphqlPostOptions {
  // biome-ignore lint/suspicious/noExplicitAny: any yoga instance will do
  readonly yoga: YogaServerInstance<any, any>;
  readonly responseCache: ResponseCache | undefined;
  readonly resolvePersisted: ReturnType<typeof createPersistedResolver>;
  /** The rate limiter's budget headers for a request it let through. */
  readonly rateLimitHeaders?: (request: Request) => Record<string, string> | undefined;
  readonly metrics: Metrics;
}

/** What a client sends: only these keys, of these types (anything else is yoga's to refuse). */
interface Params {
  query?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

const KEYS = new Set(['query', 'operationName', 'variables', 'extensions']);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function asParams(body: unknown): Params | undefined {
  if (!isObject(body)) return undefined;
  for (const key in body) {
    const value = body[key];
    if (value === null || value === undefined) continue;
    if (!KEYS.has(key)) return undefined;
    if ((key === 'query' || key === 'operationName') && typeof value !== 'string') return undefined;
    if ((key === 'variables' || key === 'extensions') && !isObject(value)) return undefined;
  }
  const { query, operationName, variables, extensions } = body as Params;
  return {
    ...(query == null ? {} : { query }),
    ...(operationName == null ? {} : { operationName }),
    ...(variables == null ? {} : { variables }),
    ...(extensions == null ? {} : { extensions }),
  };
}

/** The part of the Fetch API's Headers that plugins and the context read, over Node's headers. */
class NodeHeaders {
  readonly #raw: IncomingHttpHeaders;
  constructor(raw: IncomingHttpHeaders) {
    this.#raw = raw;
  }
  get(name: string): string | null {
    const value = this.#raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  has(name: string): boolean {
    return this.#raw[name.toLowerCase()] !== undefined;
  }
  forEach(callback: (value: string, name: string) => void): void {
    for (const name of Object.keys(this.#raw)) {
      const value = this.get(name);
      if (value !== null) callback(value, name);
    }
  }
}

/** The part of the Fetch API's Request that plugins and the context read. */
class NodeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: NodeHeaders;
  constructor(req: IncomingMessage) {
    this.method = req.method ?? 'POST';
    this.url = `http://localhost${req.url ?? '/'}`;
    this.headers = new NodeHeaders(req.headers);
  }
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | null;
  /** The cache entry the body is, whose compressed forms are kept with it. */
  entry?: CachedResponse;
}

/** A cached body compressed once per encoding (entries never change), reused by every hit. */
const compressed = new WeakMap<CachedResponse, Partial<Record<Encoding, Promise<Buffer>>>>();

function compressedBody(entry: CachedResponse, encoding: Encoding): Promise<Buffer> {
  const variants = compressed.get(entry) ?? {};
  compressed.set(entry, variants);
  variants[encoding] ??= compress(Buffer.from(entry.body), encoding);
  return variants[encoding];
}

/**
 * Serves the request and resolves true, or resolves false without having answered or changed
 * anything, for yoga to serve it.
 */
export function createGraphqlPost(options: GraphqlPostOptions) {
  const { yoga, responseCache: cache, metrics } = options;

  async function send(
    req: IncomingMessage,
    res: ServerResponse,
    request: Request,
    reply: Reply,
    started: number,
  ): Promise<void> {
    const headers = reply.headers;
    headers['x-request-id'] = requestIdOf(request);
    const budget = options.rateLimitHeaders?.(request);
    if (budget) Object.assign(headers, budget);
    let body: string | Buffer | null = reply.body;
    const encoding: Encoding | null =
      body === null ? null : chooseEncoding(req.headers['accept-encoding']);
    if (body !== null && encoding) {
      headers.vary = addVary(headers.vary ?? null, 'Accept-Encoding');
      if (Buffer.byteLength(body) >= MIN_COMPRESS_BYTES) {
        body = await (reply.entry
          ? compressedBody(reply.entry, encoding)
          : compress(Buffer.from(body), encoding));
        headers['content-encoding'] = encoding;
      }
    }
    headers['content-length'] = String(body === null ? 0 : Buffer.byteLength(body));
    res.writeHead(reply.status, headers);
    // A string body goes out with the headers in one write; a Buffer takes two.
    res.end(body ?? undefined);
    metrics.httpRequests.inc({ route: '/graphql', status: reply.status });
    metrics.httpDuration.observe({ route: '/graphql' }, (performance.now() - started) / 1000);
  }

  /** yoga's own answer for results it would shape (errors, HTTP extensions). */
  async function shapedByYoga(result: ExecutionResult, mediaType: string): Promise<Reply> {
    const response = await processRegularResult(result, yoga.fetchAPI, mediaType);
    const headers: Record<string, string> = {};
    response.headers.forEach((value: string, name: string) => {
      headers[name] = value;
    });
    delete headers['content-length'];
    return { status: response.status, headers, body: await response.text() };
  }

  return async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    started: number,
  ): Promise<boolean> {
    const mediaType = jsonMediaType(req.headers.accept);
    if (!mediaType) return false;
    let params: Params | undefined;
    try {
      params = asParams(JSON.parse(raw.toString('utf8')));
    } catch {
      return false;
    }
    // Past the bounds of graphql/variables-guard.ts: answered here as yoga's guard would, so a
    // hostile body is not parsed and walked a second time.
    const problem =
      params && (variablesProblem(params.variables) ?? variablesProblem(params.extensions));
    if (problem) {
      const reply = await shapedByYoga({ errors: [badShape(problem)] }, mediaType);
      await send(req, res, new NodeRequest(req) as unknown as Request, reply, started);
      return true;
    }
    try {
      if (params) {
        const resolved = options.resolvePersisted(params);
        params = resolved instanceof Promise ? await resolved : resolved;
      }
    } catch {
      return false;
    }
    if (params?.query === undefined) return false;
    const { query, operationName, variables } = params;
    const request = new NodeRequest(req) as unknown as Request;
    const ifNoneMatch = req.headers['if-none-match'] ?? null;

    let lookup: Lookup | undefined;
    let ticket: CacheTicket | undefined;
    if (cache) {
      lookup = await cache.prepare({
        authorization: request.headers.get('authorization'),
        query,
        operationName,
        variables,
      });
      if (lookup?.key !== undefined) {
        // This instance's L1 answers most hits: no promise for them unless the limiter charges.
        let stored = cache.getLocal(lookup.key);
        if (stored === undefined) {
          ticket = await cache.open({ ...lookup, key: lookup.key });
          stored = ticket.hit;
        }
        if (stored !== undefined) {
          const refusal = cache.admitHit
            ? await cache.admitHit(request, lookup.viewer, { req })
            : undefined;
          const reply = refusal
            ? await shapedByYoga({ errors: [refusal] }, mediaType)
            : { ...cache.reply(stored, ifNoneMatch, 'HIT', mediaType), entry: stored };
          await send(req, res, request, reply, started);
          return true;
        }
      }
    }
    try {
      // yoga's server context (the Node request rides along for the client's address).
      const enveloped = yoga.getEnveloped({ req, request, params });
      let document: ReturnType<typeof enveloped.parse>;
      try {
        document = enveloped.parse(query);
      } catch {
        return false;
      }
      if (enveloped.validate(enveloped.schema, document).length > 0) return false;
      const operation = getOperationAST(document, operationName);
      if (!operation || operation.operation === 'subscription') return false;
      let contextValue: unknown;
      try {
        contextValue = await enveloped.contextFactory();
      } catch {
        return false;
      }
      const result = (await enveloped.execute({
        schema: enveloped.schema,
        document,
        contextValue,
        variableValues: variables,
        operationName,
      })) as ExecutionResult & { stringify?: (result: ExecutionResult) => string };
      if (operation.operation === 'mutation' && cache && lookup) {
        const uow = (contextValue as { uow?: { accounted: number } }).uow;
        await cache.afterMutation(lookup, uow?.accounted ?? 0);
      }
      let reply: Reply;
      if (result.errors?.length || result.extensions?.http) {
        reply = await shapedByYoga(result, mediaType);
      } else {
        const body = () => (result.stringify ? result.stringify(result) : JSON.stringify(result));
        const entry = ticket?.complete(result, body);
        reply =
          entry && cache
            ? { ...cache.reply(entry, ifNoneMatch, 'MISS', mediaType), entry }
            : {
                status: 200,
                headers: { 'content-type': `${mediaType}; charset=utf-8` },
                body: body(),
              };
      }
      await send(req, res, request, reply, started);
      return true;
    } finally {
      ticket?.abandon();
    }
  };
}
