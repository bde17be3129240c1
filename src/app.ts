/**
 * createApp builds the API on a process's infrastructure: auth, the GraphQL server and its
 * plugins, the HTTP routes. Building does no I/O and starts nothing: it never listens, migrates,
 * seeds, starts the worker or the outbox relay (start-api.ts composes those); tests call
 * `yoga.fetch` or serve `handle` on a port of their own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import {
  createYoga,
  type GraphiQLOptions,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import { createTokenService } from './auth/tokens.js';
import { createAuthenticator, type Viewer } from './auth/viewer.js';
import { createDb } from './db/client.js';
import { createGuard, guardSql } from './db/guarded-sql.js';
import { ping } from './db/queries/database.js';
import { findRoles } from './db/queries/users.js';
import { createReadRouting } from './db/read-routing.js';
import { createUnitOfWork } from './db/unit-of-work.js';
import { clientAddress } from './graphql/client-address.js';
import { type Context, createContextFactory } from './graphql/context.js';
import { useDeadline } from './graphql/deadline.js';
import { useInputGuard } from './graphql/input-guard.js';
import {
  createMaskError,
  useOperationMetrics,
  useRequestId,
  yogaLogger,
} from './graphql/observability.js';
import {
  createDocumentStore,
  createPersistedResolver,
  usePersistedOperations,
  usePersistedRegistration,
} from './graphql/persisted-operations.js';
import { parseWithinLimits, useQueryLimits } from './graphql/query-limits.js';
import { useRateLimit } from './graphql/rate-limit.js';
import { useReadRouting } from './graphql/read-routing.js';
import { createResponseCache } from './graphql/response-cache.js';
import { schema } from './graphql/schema.js';
import { useHideSuggestions } from './graphql/suggestions.js';
import { useTracing } from './graphql/tracing.js';
import { useVariablesGuard } from './graphql/variables-guard.js';
import { createChatWebhook } from './http/chat-webhook.js';
import { useCompression } from './http/compression.js';
import { useExportDownload } from './http/export-download.js';
import { graphiqlAssetRoutes, renderGraphiQL } from './http/graphiql.js';
import { createGraphqlPost } from './http/graphql-post.js';
import { metrics as metricsRoute } from './http/metrics.js';
import { createNodeHandler } from './http/node-handler.js';
import { type ReadinessCheck, ready } from './http/ready.js';
import { useBodyLimit, useRoutes } from './http/routes.js';
import type { Infrastructure } from './infrastructure.js';
import { createRateLimiter } from './rate-limit/limiter.js';
import { policiesFrom } from './rate-limit/policies.js';

export interface App {
  readonly yoga: YogaServerInstance<Record<string, unknown>, Context>;
  /** The Node `request` listener serve.ts serves: yoga, with cached hits answered directly. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** Marks the instance as going away: /ready answers 503 from now on (load balancers drain it). */
  beginShutdown(): void;
}

export interface AppOptions {
  /** The JWT signing secret (auth/secret.ts resolves it at start-up). */
  readonly jwtSecret: string;
  /** The trusted documents of PERSISTED_ONLY, read at start-up (a bad manifest stops it). */
  readonly allowList?: Map<string, string> | undefined;
  /** Where GraphiQL's files are (http/graphiql.ts), when GRAPHIQL is on. */
  readonly graphiqlAssets?: string | undefined;
}

/**
 * Introspection refused by a validation rule. yoga's plugin for it marks requests in a hook of
 * its HTTP layer, which the direct path (http/graphql-post.ts) does not run.
 */
const noIntrospection: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(NoSchemaIntrospectionCustomRule);
  },
};

export function createApp(infra: Infrastructure, options: AppOptions): App {
  const { config, log, pool, permits, onStatement, redis, metrics, cache, invalidation } = infra;
  const { outbox, sharedPrefix } = infra;
  const tokens = createTokenService(options.jwtSecret, config.jwtTtlSeconds);
  const authenticate = createAuthenticator(tokens, {
    // Under a pool permit like any request's statement (a busy pool refuses it in
    // DB_POOL_WAIT_MS: 503), but no request's: at most one statement per user per
    // AUTH_RECHECK_SECONDS per process, not counted as any operation's SQL.
    roles: (ids) => findRoles(createGuard(pool, { permits, onStatement }), ids),
    recheckSeconds: config.authRecheckSeconds,
  });
  /** For the non-GraphQL routes (no per-request statement counting there). */
  const routeDb = createDb(guardSql(pool, { permits, onStatement }), {
    onQuery: () => metrics.sqlStatements.inc(),
  });
  const policies = policiesFrom(config.rateLimit);
  const limiter = config.rateLimit.enabled
    ? createRateLimiter({
        redis,
        prefix: sharedPrefix,
        timeoutMs: config.cache.redisTimeoutMs,
        metrics: metrics.rateLimit,
        log,
      })
    : undefined;
  const rateLimit = limiter ? useRateLimit(limiter, policies) : undefined;
  const responseCache = cache
    ? createResponseCache({
        schema,
        store: cache.store,
        versions: cache.versions,
        authenticate,
        namespace: cache.namespace,
        maxTtlSeconds: config.cache.responseTtlSeconds,
        metrics: metrics.cache,
        parse: (source: string) => parseWithinLimits(source, config.limits),
        ...(rateLimit
          ? {
              admitHit: (request: Request, viewer: Viewer | null, serverContext: unknown) =>
                rateLimit.chargeCached(
                  request,
                  viewer,
                  clientAddress(
                    request,
                    serverContext as { req?: IncomingMessage },
                    config.trustProxy,
                  ),
                ),
            }
          : {}),
      })
    : undefined;

  const documents = createDocumentStore(cache?.store, sharedPrefix);
  const resolvePersisted = createPersistedResolver({
    automatic: config.persisted.automatic,
    allowList: options.allowList,
    store: documents,
  });
  const checks: ReadinessCheck[] = [{ name: 'postgres', check: () => ping(pool) }];
  if (redis) checks.push({ name: 'redis', check: () => redis.ping() });

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    // The Node handler reads and bounds every POST body (http/node-handler.ts); useBodyLimit
    // checks Content-Length for in-process callers of yoga.fetch.
    maxRequestBodySize: false,
    graphqlEndpoint: '/graphql',
    // Liveness: yoga answers GET /health with 200 by itself.
    healthCheckEndpoint: '/health',
    landingPage: false,
    // The first tab shows how to sign up and set the header: yoga's page opens on `query` (not
    // in yoga's types), or its own welcome text; defaultQuery is only for new tabs.
    graphiql: config.graphiql
      ? ({
          title: 'Ledgerline',
          defaultQuery: DEFAULT_QUERY,
          query: DEFAULT_QUERY,
          // Its subscriptions' event-stream requests are not preflighted: without the CSRF
          // header they were refused (403), so no subscription ran in GraphiQL.
          additionalHeaders: { 'x-graphql-yoga-csrf': '1' },
        } as GraphiQLOptions)
      : false,
    renderGraphiQL,
    cors: corsOptions(config.corsOrigins),
    logging: yogaLogger(log),
    context: createContextFactory({
      config,
      pool,
      tokens,
      authenticate,
      invalidation,
      outbox,
      events: infra.events,
      ...(infra.replicas
        ? {
            positions: infra.replicas.positions,
            routeReads: createReadRouting(infra.replicas, config.replicas.waitMs, metrics),
          }
        : {}),
      ...(cache ? { entities: cache.entities } : {}),
      onQuery: () => metrics.sqlStatements.inc(),
      onStatement,
      permits,
      ...(limiter ? { rateLimit: { limiter, policies } } : {}),
    }) as never,
    maskedErrors: {
      maskError: createMaskError(log, { hideSuggestions: !config.introspection }),
    },
    plugins: [
      useRequestId(),
      useCompression(),
      useBodyLimit(config.limits.maxBodyBytes),
      useRoutes(
        {
          'GET /ready': () =>
            shuttingDown
              ? Response.json({ status: 'shutting down' }, { status: 503 })
              : ready(checks),
          'GET /metrics': () => metricsRoute(metrics.registry),
          ...(config.graphiql && options.graphiqlAssets
            ? graphiqlAssetRoutes(options.graphiqlAssets)
            : {}),
          'POST /webhooks/chat': createChatWebhook({
            uow: () =>
              createUnitOfWork(routeDb, {
                invalidation,
                outbox,
                events: infra.events,
                positions: infra.replicas?.positions,
              }),
            authenticate,
            ...(limiter ? { rateLimit: { limiter, policies } } : {}),
          }),
        },
        metrics,
        log,
      ),
      useExportDownload({ db: routeDb, authenticate, metrics, log }),
      // The first params hook: nothing after it walks a client's variables unbounded.
      useVariablesGuard(),
      // Before the response cache, which keys on the query text this fills in.
      usePersistedOperations(resolvePersisted),
      ...(responseCache ? [responseCache.plugin] : []),
      // Browser requests that are not preflighted must carry this header (yoga's CSRF plugin).
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      ...(config.introspection ? [] : [noIntrospection, useHideSuggestions()]),
      // Compiled execution (graphql-jit): each document compiles once to a function; about 25%
      // more uncached requests per second here. Plugins that wrap the execute function (tracing,
      // deadline) come after it, so they wrap the compiled one.
      useGraphQlJit(),
      // Spans only when tracing is configured (OTEL_EXPORTER_OTLP_ENDPOINT).
      ...(config.telemetry.tracesEndpoint ? [useTracing()] : []),
      useInputGuard(),
      useQueryLimits(config.limits),
      ...(rateLimit ? [rateLimit.plugin] : []),
      // After the rate limiter: only operations it let run are registered.
      usePersistedRegistration(documents),
      useDeadline(metrics, config.requestTimeoutMs),
      useOperationMetrics(metrics, log, config.slowQueryMs),
      ...(infra.replicas ? [useReadRouting()] : []),
    ],
  });

  let shuttingDown = false;
  const handle = createNodeHandler({
    yoga,
    graphqlPost: createGraphqlPost({
      yoga,
      responseCache,
      resolvePersisted,
      ...(rateLimit ? { rateLimitHeaders: rateLimit.headersFor } : {}),
      metrics,
    }),
    maxBodyBytes: config.limits.maxBodyBytes,
    metrics,
  });
  const beginShutdown = () => {
    shuttingDown = true;
    // Open subscription streams complete now, so the drain does not wait out their clients.
    infra.events.endAll();
  };
  return { yoga, handle, beginShutdown };
}

/**
 * Cross-origin browser access: none unless CORS_ORIGINS names the origins (answered with
 * credentials, as their pages send the Authorization header), or is `*` (any, without).
 */
function corsOptions(origins: readonly string[]) {
  if (origins.length === 0) return false;
  if (origins[0] === '*') return { origin: '*', credentials: false };
  return { origin: [...origins], credentials: true };
}

const DEFAULT_QUERY = `# Sign up (or log in) first, then put the token in the Headers tab:
#   { "Authorization": "Bearer <token>" }
mutation SignUp {
  signUp(input: { email: "you@example.com", name: "You", password: "correct horse" }) {
    token
  }
}

query Dashboard {
  viewer {
    name
    expenses(first: 20) {
      totalCount
      nodes { id amount description date category { name } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
`;
