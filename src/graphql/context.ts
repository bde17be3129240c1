/**
 * The per-request context: who is asking, this request's guarded SQL (which counts its
 * statements), a Drizzle handle over it for writes, and this request's DataLoaders (created
 * lazily, dropped with the request).
 */
import type { IncomingMessage } from 'node:http';
import type { YogaInitialContext } from 'graphql-yoga';
import type { TokenService } from '../auth/tokens.js';
import type { Authenticate, Viewer } from '../auth/viewer.js';
import type { Invalidation } from '../cache/create-cache.js';
import type { EntityCache } from '../cache/entities.js';
import type { Config } from '../config.js';
import { createLazyDb, type Pool, type RequestDb } from '../db/client.js';
import { createGuard, type PoolPermits } from '../db/guarded-sql.js';
import type { OutboxRelay } from '../db/outbox-relay.js';
import type { RouteReads } from '../db/read-routing.js';
import type { SqlRunner } from '../db/statement.js';
import { type CountedUnitOfWork, createUnitOfWork } from '../db/unit-of-work.js';
import { Deadline } from '../deadline.js';
import type { EventBus } from '../events/bus.js';
import { createLoaders, type Loaders } from '../loaders/create-loaders.js';
import { type AuthLimits, createAuthLimits, noAuthLimits } from '../rate-limit/auth-limits.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import type { Policies } from '../rate-limit/policies.js';
import { clientAddress } from './client-address.js';
import { requestIdOf } from './observability.js';

export type { Viewer };

export interface RequestStats {
  /** SQL statements this request sent. */
  sqlStatements: number;
}

export interface Context extends YogaInitialContext {
  readonly viewer: Viewer | null;
  /** Statements built once (db/queries), through this request's guard. */
  readonly sql: SqlRunner;
  /** Drizzle over the same guard, made on first use (writes, rare reads). */
  readonly db: RequestDb;
  readonly loaders: Loaders;
  readonly stats: RequestStats;
  readonly config: Config;
  readonly tokens: TokenService;
  /** The client's address (per-IP limits). */
  readonly clientAddress: string;
  /** signUp/logIn brute-force limits (no-ops when rate limiting is off). */
  readonly authLimits: AuthLimits;
  /** Passes at REQUEST_TIMEOUT_MS; this request's SQL is cancelled then. */
  readonly deadline: Deadline;
  /** Where this request's commands write, and what applies their changes after commit. */
  readonly uow: CountedUnitOfWork;
  /** Live subscriptions listen here. */
  readonly events: EventBus;
  /** Reads for live subscriptions: fresh rows, no request deadline. */
  live(): { readonly sql: SqlRunner; readonly db: RequestDb };
  /**
   * With read replicas: sends this operation's statements to one that has replayed the viewer's
   * last write, or leaves them on the primary (called before a query runs; never a mutation).
   */
  readonly routeReads?: () => Promise<void>;
}

export interface ContextDeps {
  readonly config: Config;
  readonly pool: Pool;
  readonly tokens: TokenService;
  readonly authenticate: Authenticate;
  /** Users, categories and keywords are read through it when caching is on. */
  readonly entities?: EntityCache;
  /** What a command's unit of work applies after commit: cache invalidation, the outbox's relay. */
  readonly invalidation: Invalidation;
  readonly outbox: Pick<OutboxRelay, 'nudge'>;
  /** Live subscriptions: commands publish committed writes, subscriptions listen. */
  readonly events: EventBus;
  /** Called for every statement, for metrics. */
  readonly onQuery?: (query: string) => void;
  /** Called when a statement ends, with its duration (metrics, slow-SQL log). */
  readonly onStatement?: (query: string, ms: number, requestId: string) => void;
  /** Bounds the wait for a pool connection. */
  readonly permits: PoolPermits;
  /** Set when rate limiting is on. */
  readonly rateLimit?: { readonly limiter: RateLimiter; readonly policies: Policies };
  /** Set when read replicas are configured (db/read-routing.ts, db/write-positions.ts). */
  readonly routeReads?: RouteReads;
  readonly positions?: { recordAfterCommit(userIds: ReadonlySet<number>): Promise<void> };
}

export function createContextFactory(deps: ContextDeps) {
  return async (initial: YogaInitialContext): Promise<Omit<Context, keyof YogaInitialContext>> => {
    const viewer = await deps.authenticate(initial.request.headers.get('authorization'));
    const stats: RequestStats = { sqlStatements: 0 };
    const deadline = new Deadline(deps.config.requestTimeoutMs);
    // What every statement of this request reports, with the request's deadline or without.
    const observed = {
      permits: deps.permits,
      ...(deps.onQuery ? { onQuery: deps.onQuery } : {}),
      ...(deps.onStatement
        ? {
            onStatement: (text: string, ms: number) =>
              deps.onStatement?.(text, ms, requestIdOf(initial.request)),
          }
        : {}),
    };
    const sql = createGuard(deps.pool, { ...observed, deadline, stats });
    const address = clientAddress(
      initial.request,
      initial as { req?: IncomingMessage },
      deps.config.trustProxy,
    );
    const db = createLazyDb(() => sql.client);
    let live: { readonly sql: SqlRunner; readonly db: RequestDb } | undefined;
    return {
      viewer,
      sql,
      db,
      stats,
      loaders: createLoaders(sql, db, {
        batch: deps.config.loaders === 'on',
        ...(deps.entities ? { entities: deps.entities } : {}),
      }),
      config: deps.config,
      tokens: deps.tokens,
      clientAddress: address,
      authLimits: deps.rateLimit
        ? createAuthLimits(deps.rateLimit.limiter, deps.rateLimit.policies, address)
        : noAuthLimits,
      deadline,
      uow: createUnitOfWork(db, deps),
      ...(deps.routeReads
        ? { routeReads: () => (deps.routeReads as RouteReads)(viewer, sql) }
        : {}),
      events: deps.events,
      live: () => {
        // A subscription outlives the request's deadline: its reads take pool permits like any
        // statement, but no deadline, and no loader caches (each event reads the row anew).
        if (!live) {
          const guard = createGuard(deps.pool, observed);
          live = { sql: guard, db: createLazyDb(() => guard.client) };
        }
        return live;
      },
    };
  };
}
