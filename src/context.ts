/**
 * The per-request context: who is asking, a Drizzle handle that counts this request's SQL, and
 * this request's DataLoaders (created lazily, dropped with the request).
 */
import type { YogaInitialContext } from 'graphql-yoga';
import type { Role, TokenService } from './auth/tokens.js';
import type { Config } from './config.js';
import { createDb, type Db, type Pool } from './db/client.js';
import { userError } from './graphql/errors.js';
import { decodeId } from './graphql/global-id.js';
import { createLoaders, type Loaders } from './loaders/create-loaders.js';

export interface Viewer {
  readonly id: number;
  readonly role: Role;
}

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
}

export interface ContextDeps {
  readonly config: Config;
  readonly pool: Pool;
  readonly tokens: TokenService;
  /** Called for every statement, for metrics. */
  readonly onQuery?: (query: string) => void;
}

async function authenticate(request: Request, tokens: TokenService): Promise<Viewer | null> {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const claims = match?.[1] ? await tokens.verify(match[1]) : null;
  const id = claims ? decodeId(claims.sub, 'User') : null;
  if (!claims || id === null) {
    throw userError('UNAUTHENTICATED', 'The bearer token is invalid or expired');
  }
  return { id, role: claims.role };
}

export function createContextFactory(deps: ContextDeps) {
  return async (initial: YogaInitialContext): Promise<Omit<Context, keyof YogaInitialContext>> => {
    const viewer = await authenticate(initial.request, deps.tokens);
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
      loaders: createLoaders(db, { batch: deps.config.loaders === 'on' }),
      config: deps.config,
      tokens: deps.tokens,
    };
  };
}
