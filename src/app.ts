/**
 * createApp wires configuration, database, auth and the GraphQL server together. It never
 * listens: main.ts opens the port, tests call `yoga.fetch`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { resolveJwtSecret } from './auth/secret.js';
import { createTokenService } from './auth/tokens.js';
import { createAuthenticator, type Viewer } from './auth/viewer.js';
import { type Cache, createCache, createInvalidation } from './cache/create-cache.js';
import { cacheNamespace } from './cache/namespace.js';
import { createRedisClient } from './cache/redis-client.js';
import type { Config } from './config.js';
import { createDb, createPool, type Pool } from './db/client.js';
import { createGuard, createPoolPermits, guardSql, normalizeSql } from './db/guarded-sql.js';
import { openDatabase } from './db/open.js';
import { findRoles } from './db/queries/users.js';
import { seedDemoIfEmpty } from './db/seed.js';
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
  loadManifest,
  usePersistedOperations,
  usePersistedRegistration,
} from './graphql/persisted-operations.js';
import { parseWithinLimits, useQueryLimits } from './graphql/query-limits.js';
import { useRateLimit } from './graphql/rate-limit.js';
import { createResponseCache } from './graphql/response-cache.js';
import { schema } from './graphql/schema.js';
import { useHideSuggestions } from './graphql/suggestions.js';
import { useTracing } from './graphql/tracing.js';
import { useVariablesGuard } from './graphql/variables-guard.js';
import { createChatWebhook } from './http/chat-webhook.js';
import { useCompression } from './http/compression.js';
import { useExportDownload } from './http/export-download.js';
import { createGraphqlPost } from './http/graphql-post.js';
import { metrics as metricsRoute } from './http/metrics.js';
import { createNodeHandler } from './http/node-handler.js';
import { type ReadinessCheck, ready } from './http/ready.js';
import { useBodyLimit, useRoutes } from './http/routes.js';
import { startOutboxRelay } from './jobs/outbox.js';
import { queueStats } from './jobs/queue-stats.js';
import { createJobRuntime } from './jobs/runtime.js';
import { startWorker, type Worker } from './jobs/worker.js';
import { createLogger, type Logger } from './logger.js';
import { atMostEvery, createMetrics, type Metrics } from './metrics.js';
import { createRateLimiter } from './rate-limit/limiter.js';
import { policiesFrom } from './rate-limit/policies.js';

export interface App {
  readonly yoga: YogaServerInstance<Record<string, unknown>, Context>;
  /** The Node `request` listener main.ts serves: yoga, with cached hits answered directly. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  readonly pool: Pool;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** The in-process job worker; undefined when WORKER_ENABLED=false. */
  readonly worker: Worker | undefined;
  /** The response and entity cache; undefined when CACHE_ENABLED=false. */
  readonly cache: Cache | undefined;
  /** Closes the pool, Redis and an embedded Postgres, in that order. Safe to call twice. */
  stop(): Promise<void>;
  /** Marks the instance as going away: /ready answers 503 from now on (load balancers drain it). */
  beginShutdown(): void;
}

let instances = 0;

/**
 * Introspection refused by a validation rule. yoga's plugin for it marks requests in a hook of
 * its HTTP layer, which the direct path (http/graphql-post.ts) does not run.
 */
const noIntrospection: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(NoSchemaIntrospectionCustomRule);
  },
};

export async function createApp(config: Config, log: Logger = createLogger(config)): Promise<App> {
  // Read first: a missing or corrupt manifest stops the start before anything is opened.
  const allowList = config.persisted.only ? loadManifest(config.persisted.manifestPath) : undefined;
  const database = await openDatabase(config, log);
  const databaseUrl = database.url;

  // A name unique to this instance lets /metrics find its own backends in pg_stat_activity.
  const applicationName = `ledgerline-${process.pid}-${++instances}`;
  const pool = createPool(databaseUrl, config.db, applicationName);
  if (database.embedded) await seedDemoIfEmpty(pool, log);
  const redis = config.redisUrl ? createRedisClient(config.redisUrl) : undefined;
  redis?.on('error', (error: Error) => log.warn({ err: error.message }, 'redis error'));
  if (redis) {
    // Waited for briefly: a Redis that is down at start must not stop the API from starting.
    const connecting = redis
      .connect()
      .catch((error: Error) => log.warn({ err: error.message }, 'redis unavailable'));
    await Promise.race([connecting, sleep(2000, undefined, { ref: false })]);
  }

  const tokens = createTokenService(
    await resolveJwtSecret(config.jwtSecret, config.dataDir),
    config.jwtTtlSeconds,
  );
  // Pool figures come from the request permits (no SQL per scrape); the job queue is counted
  // at most every 10 s, however often /metrics is scraped.
  const metrics = createMetrics(
    // Read at scrape time, once the permits below exist.
    () => permits.stats(),
    atMostEvery(10_000, queueStats(pool)),
  );
  const cache = config.cache.enabled
    ? await createCache(config.cache, { pool, redis, metrics: metrics.cache, log })
    : undefined;
  // Moves the jobs expense writes queue (in this process or any other) into graphile-worker.
  const outbox = startOutboxRelay(pool, config.worker.pollIntervalMs, log);
  const invalidation = createInvalidation(cache);
  const worker = config.worker.enabled
    ? await startWorker(
        createJobRuntime({ config, pool, log, metrics, cache, outbox }),
        databaseUrl,
      )
    : undefined;
  const permits = createPoolPermits(config.db.poolMax, config.db.poolWaitMs, (ms, ok) =>
    metrics.poolWait.observe({ outcome: ok ? 'ok' : 'timeout' }, ms / 1000),
  );
  const onStatement = (text: string, ms: number, requestId?: string) => {
    metrics.sqlDuration.observe(ms / 1000);
    if (ms > config.slowQueryMs) {
      log.warn({ requestId, sql: normalizeSql(text), ms: Math.round(ms * 10) / 10 }, 'slow sql');
    }
  };
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
  /** Keys shared by the instances of one deployment (rate-limit buckets, persisted documents). */
  const sharedPrefix = cache?.namespace ?? (await cacheNamespace(pool, config.cache.namespace));
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
    allowList,
    store: documents,
  });
  const checks: ReadinessCheck[] = [{ name: 'postgres', check: () => pool`select 1` }];
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
    graphiql: config.graphiql ? { title: 'Ledgerline', defaultQuery: DEFAULT_QUERY } : false,
    logging: yogaLogger(log),
    context: createContextFactory({
      config,
      pool,
      tokens,
      authenticate,
      invalidation,
      outbox,
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
          'POST /webhooks/chat': createChatWebhook({
            uow: () => createUnitOfWork(routeDb, { invalidation, outbox }),
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
      ...(config.telemetry.endpoint ? [useTracing()] : []),
      useInputGuard(),
      useQueryLimits(config.limits),
      ...(rateLimit ? [rateLimit.plugin] : []),
      // After the rate limiter: only operations it let run are registered.
      usePersistedRegistration(documents),
      useDeadline(metrics, config.requestTimeoutMs),
      useOperationMetrics(metrics, log, config.slowQueryMs),
    ],
  });

  let shuttingDown = false;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    shuttingDown = true;
    stopped ??= (async () => {
      await worker?.stop();
      await outbox.stop();
      await pool.end({ timeout: 5 });
      await cache?.versions.stop();
      if (redis?.isOpen) await redis.close().catch(() => redis.destroy());
      await database.stop();
    })();
    return stopped;
  };
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
  };
  return { yoga, handle, pool, metrics, log, cache, worker, stop, beginShutdown };
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
