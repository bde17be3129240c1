/**
 * Persisted operations, in two modes:
 *
 * - Automatic persisted queries (Apollo's protocol): a client sends
 *   `extensions.persistedQuery = { version: 1, sha256Hash }` without the query; an unknown hash
 *   answers `PersistedQueryNotFound` (code PERSISTED_QUERY_NOT_FOUND), the client retries with
 *   the query and the hash, and the document is kept in the two-level cache for every instance.
 *   Works over GET, so a CDN can cache public responses by URL.
 * - Allow-list (`PERSISTED_ONLY=true`): only operations from the manifest run, by hash or by
 *   identical text; anything else is FORBIDDEN and nothing is registered.
 *
 * Hand-written: @graphql-yoga/plugin-apq 3.x pins @graphql-tools/utils ^10, which npm refuses
 * next to yoga 5.24's 11/12; the protocol is an onParams hook of some forty lines.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { CacheStore } from '../cache/store.js';

export interface DocumentStore {
  get(hash: string): Promise<string | undefined>;
  set(hash: string, document: string): void;
}

const DOCUMENT_TTL_MS = 7 * 24 * 3600 * 1000;
/** Documents larger than this run but are not registered (the complexity limits bound them too). */
export const MAX_PERSISTED_BYTES = 16 * 1024;

/**
 * Set on params whose query may be registered under its hash once it has run: registration waits
 * until the document parsed, validated and passed the rate limiter (usePersistedRegistration),
 * so anonymous clients cannot fill Redis with strings that are not operations.
 */
const REGISTER = Symbol('register persisted query');

/** Documents in the shared cache (L1 + Redis), or in this process only when caching is off. */
export function createDocumentStore(
  cache: CacheStore | undefined,
  namespace: string,
): DocumentStore {
  if (!cache) {
    const local = new LRUCache<string, string>({ max: 10_000 });
    return { get: async (hash) => local.get(hash), set: (hash, doc) => local.set(hash, doc) };
  }
  const key = (hash: string) => `${namespace}:apq:${hash}`;
  return {
    get: (hash) => cache.get<string>(key(hash), 'document', DOCUMENT_TTL_MS),
    set: (hash, doc) => cache.set(key(hash), doc, DOCUMENT_TTL_MS, 'document', doc.length),
  };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Reads a manifest: Apollo's format (`{ format: "apollo-persisted-query-manifest", operations:
 * [{ id, body }] }`, what `npm run persisted:manifest` writes) or a plain `{ hash: document }`,
 * whose hashes may carry the `sha256:` prefix of a GraphQL-over-HTTP document id (graphql-codegen's
 * persisted-documents.json with `hashAlgorithm: 'sha256'`).
 */
export function loadManifest(path: string): Map<string, string> {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as
    | { operations?: { id: string; body: string }[] }
    | Record<string, string>;
  const entries = (
    Array.isArray(raw.operations)
      ? raw.operations.map((op) => [op.id, op.body] as const)
      : Object.entries(raw as Record<string, string>)
  ).map(([hash, body]) => [hash.replace(/^sha256:/, ''), body] as const);
  for (const [hash, body] of entries) {
    if (typeof body !== 'string' || sha256(body) !== hash) {
      throw new Error(`${path}: the entry ${hash} does not hash to its id (sha256 of the body)`);
    }
  }
  return new Map(entries);
}

const fail = (message: string, code: string, status = 200) =>
  new GraphQLError(message, { extensions: { code, http: { status } } });

export interface PersistedOperationsOptions {
  /** Accept and register hashes sent by clients. */
  readonly automatic: boolean;
  /** Set: only these operations (hash → document) may run. */
  readonly allowList: ReadonlyMap<string, string> | undefined;
  readonly store: DocumentStore;
}

function persistedHash(extensions: unknown): { hash: string } | undefined | GraphQLError {
  const persisted = (extensions as { persistedQuery?: unknown } | undefined)?.persistedQuery;
  if (persisted === undefined || persisted === null) return undefined;
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1) {
    return fail('Unsupported persisted query version', 'PERSISTED_QUERY_NOT_SUPPORTED', 400);
  }
  if (typeof sha256Hash !== 'string' || !/^[0-9a-f]{64}$/.test(sha256Hash)) {
    return fail('persistedQuery.sha256Hash must be 64 hex digits', 'BAD_USER_INPUT', 400);
  }
  return { hash: sha256Hash };
}

export interface OperationParams {
  readonly query?: unknown;
  readonly extensions?: unknown;
}

/**
 * The document a request runs: its own query, or the persisted one its hash names (registering
 * new ones when automatic). Throws the protocol's errors as GraphQL errors with an HTTP status.
 */
export function createPersistedResolver(options: PersistedOperationsOptions) {
  const { allowList, store } = options;
  const resolve = async <P extends OperationParams>(params: P): Promise<P> => {
    const persisted = persistedHash(params.extensions);
    if (persisted instanceof GraphQLError) throw persisted;
    const query = typeof params.query === 'string' ? params.query : undefined;

    if (allowList) {
      const hash = persisted?.hash ?? (query === undefined ? undefined : sha256(query));
      const document = hash === undefined ? undefined : allowList.get(hash);
      if (document === undefined) {
        throw persisted && query === undefined
          ? fail('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND')
          : fail('Only persisted operations are accepted here', 'FORBIDDEN', 403);
      }
      if (query !== undefined && query !== document) {
        throw fail('The query does not match its sha256Hash', 'BAD_USER_INPUT', 400);
      }
      return query === document ? params : { ...params, query: document };
    }

    if (!persisted) return params;
    if (!options.automatic) {
      throw fail('PersistedQueryNotSupported', 'PERSISTED_QUERY_NOT_SUPPORTED', 400);
    }
    if (query === undefined) {
      const document = await store.get(persisted.hash);
      if (document === undefined) {
        throw fail('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND');
      }
      return { ...params, query: document };
    }
    if (sha256(query) !== persisted.hash) {
      throw fail('The query does not match its sha256Hash', 'BAD_USER_INPUT', 400);
    }
    if (Buffer.byteLength(query) > MAX_PERSISTED_BYTES) return params;
    return { ...params, [REGISTER]: persisted.hash };
  };
  // Most requests carry their query and no hash: answered without a promise.
  return <P extends OperationParams>(params: P): P | Promise<P> =>
    allowList || params.extensions != null ? resolve(params) : params;
}

export function usePersistedOperations(
  resolve: ReturnType<typeof createPersistedResolver>,
): Plugin {
  return {
    async onParams({ params, setParams }) {
      const resolved = await resolve(params);
      if (resolved !== params) setParams(resolved);
    },
  };
}

/**
 * Registers an automatic persisted query when its operation is about to execute: it parsed and
 * validated, and the rate limiter (a plugin before this one, which ends execution early when it
 * refuses) let it through.
 */
export function usePersistedRegistration(store: DocumentStore): Plugin {
  return {
    onExecute({ args }) {
      const params = (args.contextValue as { params?: OperationParams & { [REGISTER]?: string } })
        ?.params;
      const hash = params?.[REGISTER];
      if (hash !== undefined && typeof params?.query === 'string') store.set(hash, params.query);
    },
  };
}
