/**
 * Whole-response cache for queries, as a yoga plugin.
 *
 * - Key: the normalized document, operation name, variables, and the viewer's scope with that
 *   scope's current version (cache/versions.ts). One user's responses are never another's, and
 *   a write bumps the version so every response that could hold what it changed is gone at once.
 * - Looked up in `onParams`, before parsing, validation, the context and execution run; a hit is
 *   sent as the stored body (no re-serialization) with ETag and Cache-Control, or 304 when the
 *   client's If-None-Match matches, once the rate limiter (`admitHit`) has charged it.
 * - TTL per type: the lowest TTL among the types a document selects.
 * - Identical concurrent misses in one process wait for the first one's result (one computation).
 * - Mutations are never cached; once one has run, it bumps the viewer's scope (and the global
 *   scope admins read) before its response is sent.
 *
 * Hand-written rather than @envelop/response-cache: that plugin neither awaits nor catches its
 * store calls, and its entity invalidation misses lists cached while empty.
 */
import { createHash } from 'node:crypto';
import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isAbstractType,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { Authenticate, Viewer } from '../auth/viewer.js';
import type { CacheStore } from '../cache/store.js';
import { withTimeout } from '../cache/store.js';
import type { Versions } from '../cache/versions.js';
import type { CacheMetrics } from '../metrics.js';
import { jsonMediaType } from './media-type.js';
import { stableJson } from './variables-key.js';

/** How long a response holding each type may be served (capped by the configured maximum). */
export const TYPE_TTL_SECONDS: Readonly<Record<string, number>> = {
  User: 300,
  UserConnection: 300,
  Category: 300,
  CategoryConnection: 300,
  Expense: 60,
  ExpenseConnection: 60,
  SpendingSummary: 60,
  CategorySpend: 60,
  DailyMetric: 60,
  // Polled while they change, or different for every request: never cached.
  RateLimit: 0,
  Job: 0,
  Export: 0,
  ExportConnection: 0,
};

export interface CachedResponse {
  readonly body: string;
  readonly etag: string;
  readonly ttlSeconds: number;
  readonly isPublic: boolean;
}

interface DocumentInfo {
  readonly operation: 'query' | 'mutation' | 'subscription';
  readonly normalized: string;
  readonly ttlSeconds: number;
  /** Fields the operation selects at its root (undefined: it spreads fragments there). */
  readonly rootFields: number | undefined;
}

interface RequestState {
  readonly viewer: Viewer | null;
  readonly info: DocumentInfo;
  ticket?: CacheTicket;
  /** The request's count of commands that reported their changes (set as it executes). */
  accounted?: () => number;
}

export interface ResponseCacheOptions {
  readonly schema: GraphQLSchema;
  readonly store: CacheStore;
  readonly versions: Versions;
  readonly authenticate: Authenticate;
  readonly namespace: string;
  readonly maxTtlSeconds: number;
  readonly metrics: CacheMetrics;
  /**
   * Parses a client's document for its key and TTL, within the query limits (a document past
   * them is left for yoga to refuse). @default graphql's parse, unbounded
   */
  readonly parse?: (source: string) => DocumentNode;
  /**
   * Asked before a stored answer is sent (the rate limiter charges it): an error to send
   * instead, or undefined. `serverContext` is yoga's (the Node request rides along in it).
   */
  readonly admitHit?: (
    request: Request,
    viewer: Viewer | null,
    serverContext: unknown,
  ) => Promise<GraphQLError | undefined>;
}

/** Fields whose value never changes for an object, whatever its type. */
const IDENTITY_FIELDS = new Set(['id', '__typename']);

/**
 * The TTL of a document's answers: the lowest of the types it selects, by the types the schema
 * says each field can be read from and can return, never by what an answer happens to hold
 * (`node(id:) { ... on Export { state } }` reads `state` from an Export even when the client
 * leaves out `__typename`). A field read on an interface (`Node`) may come from any type that
 * implements it, so it takes the lowest TTL among them; identity fields are the same on all.
 */
function ttlOf(schema: GraphQLSchema, document: DocumentNode, maxTtl: number): number {
  let ttl = maxTtl;
  const lower = (name: string) => {
    const typeTtl = TYPE_TTL_SECONDS[name];
    if (typeTtl !== undefined && typeTtl < ttl) ttl = typeTtl;
  };
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const type = typeInfo.getType();
        if (type) lower(getNamedType(type).name);
        const parent = typeInfo.getParentType();
        if (!parent) return;
        lower(parent.name);
        if (isAbstractType(parent) && !IDENTITY_FIELDS.has(node.name.value)) {
          for (const possible of schema.getPossibleTypes(parent)) lower(possible.name);
        }
      },
    }),
  );
  return ttl;
}

/** The fields an operation selects at its root, __typename aside; undefined for fragments. */
function rootFieldsOf(operation: OperationDefinitionNode): number | undefined {
  let fields = 0;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return undefined;
    if (selection.name.value !== '__typename') fields++;
  }
  return fields;
}

/** What a request asks, in the form both the yoga plugin and the Node fast path have it. */
export interface CacheRequest {
  readonly authorization: string | null;
  readonly query: string | undefined;
  readonly operationName: string | undefined;
  readonly variables: unknown;
}

export interface Lookup {
  readonly viewer: Viewer | null;
  readonly info: DocumentInfo;
  /** Set for queries: where the response is (or will be) stored. */
  readonly key: string | undefined;
}

/** A query's place in the cache, held while the request runs. */
export interface CacheTicket {
  /** The stored response (this instance's L1, Redis, or a concurrent identical miss). */
  readonly hit: CachedResponse | undefined;
  /**
   * Stores a result that carries no errors as `body` and hands it to requests waiting on the same
   * key; returns the entry to send (undefined: not stored).
   */
  complete(result: ExecutionResult, body: () => string): CachedResponse | undefined;
  /** Releases waiters without storing (the request ended some other way). Safe to call twice. */
  abandon(): void;
}

export interface ResponseCache {
  /**
   * Who asks what, under which key: undefined when the request is not for us (no query, a
   * syntax error, a bad token; yoga reports those). Applies delivered invalidations first.
   */
  prepare(request: CacheRequest): Promise<Lookup | undefined>;
  /** The cached response for a query's key, or the right to compute it (others wait for it). */
  open(lookup: Lookup & { readonly key: string }): Promise<CacheTicket>;
  /**
   * After a mutation ran: every response that could hold what it changed is gone. `accounted`:
   * how many of its commands reported their changes through the unit of work, which has
   * invalidated just those; when that is every root field, nothing more is invalidated here.
   */
  afterMutation(lookup: Pick<Lookup, 'viewer' | 'info'>, accounted: number): Promise<void>;
  /** The rate limiter's check before a stored answer is sent (unset: none). */
  readonly admitHit: ResponseCacheOptions['admitHit'];
  /** L1 only, synchronous. */
  getLocal(key: string): CachedResponse | undefined;
  /** Headers (and 304 or 200) for sending a cached response. */
  reply(
    entry: CachedResponse,
    ifNoneMatch: string | null,
    status: 'HIT' | 'MISS',
    mediaType: string,
  ): { status: 200 | 304; headers: Record<string, string>; body: string | null };
  readonly plugin: Plugin;
}

export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { store, versions, metrics } = options;
  const documents = new LRUCache<string, DocumentInfo | false>({ max: 1000 });
  const inflight = new Map<string, Promise<CachedResponse | undefined>>();
  const states = new WeakMap<Request, RequestState>();

  function documentInfo(
    query: string,
    operationName: string | undefined,
  ): DocumentInfo | undefined {
    const memoKey = `${operationName ?? ''}\n${query}`;
    let info = documents.get(memoKey);
    if (info === undefined) {
      try {
        const document = (options.parse ?? parse)(query);
        const operation = getOperationAST(document, operationName);
        info = operation
          ? {
              operation: operation.operation,
              normalized: print(document),
              ttlSeconds: ttlOf(options.schema, document, options.maxTtlSeconds),
              rootFields: rootFieldsOf(operation),
            }
          : false;
      } catch {
        info = false; // yoga reports the syntax error itself
      }
      documents.set(memoKey, info);
    }
    return info || undefined;
  }

  /** The viewer's scope with its version; undefined when the version cannot be known now. */
  async function scopeOf(viewer: Viewer | null): Promise<string | undefined> {
    if (!viewer) return 'anon:0';
    const admin = viewer.role === 'admin';
    const version = await versions.current(admin ? 'global' : `user:${viewer.id}`);
    if (version === undefined) return undefined;
    return `${admin ? 'admin' : 'user'}:${viewer.id}:${version}`;
  }

  async function prepare(request: CacheRequest): Promise<Lookup | undefined> {
    if (!request.query) return undefined;
    const info = documentInfo(request.query, request.operationName);
    if (!info) return undefined;
    // Every request (mutations too: they read categories) first applies invalidations that
    // other instances have published; when that cannot be done, it does without the cache.
    const synced = await versions.sync();
    let viewer: Viewer | null;
    try {
      viewer = await options.authenticate(request.authorization);
    } catch {
      return undefined; // the context reports the bad token
    }
    if (!synced || info.operation !== 'query' || info.ttlSeconds <= 0) {
      return { viewer, info, key: undefined };
    }
    const scope = await scopeOf(viewer);
    if (scope === undefined) return { viewer, info, key: undefined };
    const variables = stableJson(request.variables ?? {});
    if (variables === undefined) return { viewer, info, key: undefined };
    const hash = createHash('sha1')
      .update(`${info.normalized}\0${request.operationName ?? ''}\0${variables}`)
      .digest('base64url');
    return { viewer, info, key: `${options.namespace}:r:${scope}:${hash}` };
  }

  function reply(
    entry: CachedResponse,
    ifNoneMatch: string | null,
    status: 'HIT' | 'MISS',
    mediaType: string,
  ) {
    const headers: Record<string, string> = {
      etag: entry.etag,
      'cache-control': `${entry.isPublic ? 'public' : 'private'}, max-age=${entry.ttlSeconds}`,
      'x-cache': status,
      vary: 'Authorization',
    };
    if (ifNoneMatch === entry.etag) return { status: 304 as const, headers, body: null };
    headers['content-type'] = `${mediaType}; charset=utf-8`;
    return { status: 200 as const, headers, body: entry.body };
  }

  function respond(
    entry: CachedResponse,
    request: Request,
    status: 'HIT' | 'MISS',
    mediaType: string,
  ) {
    const out = reply(entry, request.headers.get('if-none-match'), status, mediaType);
    return new Response(out.body, { status: out.status, headers: out.headers });
  }

  async function open({
    key,
    info,
    viewer,
  }: Lookup & { readonly key: string }): Promise<CacheTicket> {
    let entry = await store.get<CachedResponse>(key, 'response', info.ttlSeconds * 1000);
    let settle: ((entry: CachedResponse | undefined) => void) | undefined;
    if (entry === undefined) {
      // An identical request may have computed and stored it while this one waited for Redis.
      entry = store.getLocal<CachedResponse>(key, 'response', false);
    }
    if (entry === undefined) {
      const pending = inflight.get(key);
      if (pending) {
        metrics.coalesced.inc();
        entry = await withTimeout(pending, 10_000).catch(() => undefined);
      } else {
        let resolve: (entry: CachedResponse | undefined) => void = () => {};
        const computing = new Promise<CachedResponse | undefined>((r) => {
          resolve = r;
        });
        inflight.set(key, computing);
        settle = (result) => {
          settle = undefined;
          if (inflight.get(key) === computing) inflight.delete(key);
          resolve(result);
        };
      }
    }
    return {
      hit: entry,
      complete(result, body) {
        let stored: CachedResponse | undefined;
        if (entry === undefined && !result.errors?.length) {
          const text = body();
          stored = {
            body: text,
            etag: `W/"${createHash('sha1').update(text).digest('base64url')}"`,
            ttlSeconds: info.ttlSeconds,
            isPublic: viewer === null,
          };
          store.set(key, stored, info.ttlSeconds * 1000, 'response', text.length);
        }
        settle?.(stored);
        return stored;
      },
      abandon: () => settle?.(undefined),
    };
  }

  async function afterMutation(
    { viewer, info }: Pick<Lookup, 'viewer' | 'info'>,
    accounted: number,
  ): Promise<void> {
    if (info.rootFields !== undefined && accounted >= info.rootFields) return;
    // A mutation not (yet) run as commands that report their changes: all the viewer's answers
    // and every admin's.
    await versions.bump(viewer ? [`user:${viewer.id}`, 'global'] : ['global']);
  }

  const plugin: Plugin = {
    async onParams({ request, params, setResult, context }) {
      // Not validated yet: anything but strings is left for yoga to refuse.
      const { query, operationName } = params as { query?: unknown; operationName?: unknown };
      if (typeof query !== 'string') return;
      if (operationName != null && typeof operationName !== 'string') return;
      const lookup = await prepare({
        authorization: request.headers.get('authorization'),
        query: params.query,
        operationName: params.operationName,
        variables: params.variables,
      });
      if (!lookup) return;
      const state: RequestState = { viewer: lookup.viewer, info: lookup.info };
      states.set(request, state);
      const { key } = lookup;
      if (key === undefined) return;
      const ticket = await open({ ...lookup, key });
      if (ticket.hit === undefined) {
        state.ticket = ticket;
        return;
      }
      const refusal = await options.admitHit?.(request, lookup.viewer, context);
      if (refusal) {
        setResult({ errors: [refusal] });
        return;
      }
      state.ticket = ticket;
      // Replaced by the stored body in onResultProcess.
      setResult({ data: null });
    },
    onExecute({ args }) {
      const context = args.contextValue as { request?: Request; uow?: { accounted: number } };
      const state = context.request && states.get(context.request);
      if (state) state.accounted = () => context.uow?.accounted ?? 0;
    },
    async onResultProcess({ request, result, setResultProcessor }) {
      const state = states.get(request);
      if (!state) return;
      if (state.info.operation === 'mutation') {
        await afterMutation(state, state.accounted?.() ?? 0);
        return;
      }
      const { ticket } = state;
      if (!ticket) return;
      const mediaType = jsonMediaType(request.headers.get('accept'));
      const { hit } = ticket;
      if (hit !== undefined) {
        if (mediaType) setResultProcessor(() => respond(hit, request, 'HIT', mediaType), mediaType);
        return;
      }
      const single = !Array.isArray(result) && !(Symbol.asyncIterator in (result as object));
      const entry = single
        ? ticket.complete(result as ExecutionResult, () => JSON.stringify(result))
        : undefined;
      ticket.abandon();
      if (entry && mediaType)
        setResultProcessor(() => respond(entry, request, 'MISS', mediaType), mediaType);
    },
    onResponse({ request }) {
      // A request that never reached result processing must not leave waiters behind.
      states.get(request)?.ticket?.abandon();
    },
  };

  return {
    prepare,
    open,
    afterMutation,
    admitHit: options.admitHit,
    // The Node fast path peeks: on a miss the request goes on to yoga, which counts the miss.
    getLocal: (key) => store.getLocal<CachedResponse>(key, 'response', false),
    reply,
    plugin,
  };
}
