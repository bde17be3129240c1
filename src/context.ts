/**
 * The per-request context: who is asking, a Drizzle handle that counts this request's SQL, and
 * this request's DataLoaders (created lazily, dropped with the request).
 */
import type { YogaInitialContext } from 'graphql-yoga';
import type { TokenService } from './auth/tokens.js';
import type { Authenticate, Viewer } from './auth/viewer.js';
import type { Invalidation } from './cache/create-cache.js';
import type { EntityCache } from './cache/entities.js';
import type { Config } from './config.js';
import { createDb, type Db, type Pool } from './db/client.js';
import { createLoaders, type Loaders } from './loaders/create-loaders.js';

export type { Viewer };

export interface RequestStats {
  /** SQL statements this request sent. */
  sqlStatements: number;
}

export interface Context extends YogaInitialContext {
  readonly viewer: Viewer | null;
  readonly db: Db;
  readonly loaders: Loaders;
  readonly stats: RequestStats;
  readonly config: Config;
  readonly tokens: TokenService;
  /** Evicts cached entities a mutation changed. */
  readonly invalidation: Invalidation;
}

export interface ContextDeps {
  readonly config: Config;
  readonly pool: Pool;
  readonly tokens: TokenService;
  readonly authenticate: Authenticate;
  /** Users, categories and keywords are read through it when caching is on. */
  readonly entities?: EntityCache;
  readonly invalidation: Invalidation;
  /** Called for every statement, for metrics. */
  readonly onQuery?: (query: string) => void;
}

export function createContextFactory(deps: ContextDeps) {
  return async (initial: YogaInitialContext): Promise<Omit<Context, keyof YogaInitialContext>> => {
    const viewer = await deps.authenticate(initial.request.headers.get('authorization'));
    const stats: RequestStats = { sqlStatements: 0 };
    const db = createDb(deps.pool, {
      onQuery: (query) => {
        stats.sqlStatements += 1;
        deps.onQuery?.(query);
      },
    });
    return {
      viewer,
      db,
      stats,
      loaders: createLoaders(db, {
        batch: deps.config.loaders === 'on',
        ...(deps.entities ? { entities: deps.entities } : {}),
      }),
      config: deps.config,
      tokens: deps.tokens,
      invalidation: deps.invalidation,
    };
  };
}
