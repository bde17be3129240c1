/**
 * The only reader of `process.env`. Every variable is parsed and validated once, with its
 * default in one place; a bad value is a start-up error that names the variable.
 */
import path from 'node:path';

export interface Config {
  /** `NODE_ENV`. @default 'development' */
  readonly nodeEnv: 'development' | 'production' | 'test';
  /** `PORT`. @default 4000 */
  readonly port: number;
  /** `HOST`. @default '127.0.0.1' */
  readonly host: string;
  /** `DATABASE_URL`; unset means an embedded Postgres under `dataDir`. */
  readonly databaseUrl: string | undefined;
  /**
   * `DATABASE_REPLICA_URLS`: comma-separated streaming replicas of DATABASE_URL. Queries (not
   * mutations, subscriptions or transactions) may read from one that has replayed the viewer's
   * last write (db/replicas.ts). @default [] (every statement goes to DATABASE_URL)
   */
  readonly databaseReplicaUrls: readonly string[];
  readonly replicas: {
    /**
     * `REPLICA_MAX_LAG_MS`: a replica further behind than this (or failing) is out of rotation
     * until it catches up. @default 1000
     */
    readonly maxLagMs: number;
    /** `REPLICA_POLL_MS`: how often each replica's replay position is read. @default 100 */
    readonly pollMs: number;
    /**
     * `REPLICA_WAIT_MS`: how long a read waits for a replica to replay the viewer's last write
     * before it goes to the primary. @default 0 (straight to the primary)
     */
    readonly waitMs: number;
  };
  /**
   * `DATABASE_DIRECT_URL`: a session connection to the primary for what needs one when
   * DATABASE_URL goes through PgBouncer in transaction mode: migrations (their advisory lock)
   * and graphile-worker (it LISTENs). @default DATABASE_URL
   */
  readonly databaseDirectUrl: string | undefined;
  /** `REDIS_URL`; unset means no Redis (readiness does not check it). */
  readonly redisUrl: string | undefined;
  /** `JWT_SECRET`; unset (outside production) means a random secret kept in `dataDir`. */
  readonly jwtSecret: string | undefined;
  /** `JWT_TTL_SECONDS`: lifetime of issued tokens. @default 604800 (7 days) */
  readonly jwtTtlSeconds: number;
  /**
   * `AUTH_RECHECK_SECONDS`: how long a token's user is taken to exist with the role last read
   * from the database (a revoked admin or a deleted user loses access within this). 0: every
   * request reads it. @default 30
   */
  readonly authRecheckSeconds: number;
  /**
   * `ADMIN_EMAILS`: comma-separated; read only by `npm run admin -- grant --from-env` (roles are
   * granted in the database, never by signing up). @default []
   */
  readonly adminEmails: readonly string[];
  /**
   * `WEBHOOK_ALLOW_PRIVATE_HOSTS`: comma-separated hosts (names or addresses) a notification
   * webhook may point at although they are not public (development receivers). @default []
   */
  readonly webhookAllowPrivateHosts: ReadonlySet<string>;
  /** `DATA_DIR`: embedded Postgres and the generated JWT secret live here. @default './.data' */
  readonly dataDir: string;
  readonly db: {
    /** `DB_POOL_MAX`: connections in the pool. @default 10 */
    readonly poolMax: number;
    /** `DB_STATEMENT_TIMEOUT_MS`: Postgres `statement_timeout`. @default 5000 */
    readonly statementTimeoutMs: number;
    /** `DB_PREPARE`: use named prepared statements. @default true */
    readonly prepare: boolean;
    /**
     * `DB_PLAN_CACHE_MODE`: Postgres `plan_cache_mode` for the gateway's connections. The default,
     * `force_generic_plan`, plans a prepared statement once per connection; under `auto`,
     * Postgres re-plans every execution whose generic plan it estimates dearer than its custom
     * plans, which for the LATERAL page statements is every one (~0.5 ms each).
     * @default 'force_generic_plan'
     */
    readonly planCacheMode: 'auto' | 'force_generic_plan' | 'force_custom_plan';
    /**
     * `DB_POOL_WAIT_MS`: longest a request waits for a free connection before it is answered
     * with SERVICE_UNAVAILABLE (503). @default 2000
     */
    readonly poolWaitMs: number;
  };
  /**
   * `WEB_CONCURRENCY`: server processes sharing the port (node:cluster, one per core is usual).
   * Above 1 it needs DATABASE_URL (one embedded Postgres cannot be started by several
   * processes) and, while the cache or rate limiting is on, REDIS_URL: each process keeps its
   * own L1 and buckets, which only Redis keeps consistent across them. @default 1
   */
  readonly webConcurrency: number;
  /**
   * `REQUEST_TIMEOUT_MS`: a GraphQL operation still running after this is answered with TIMEOUT
   * (504) and its SQL is cancelled. @default 10000
   */
  readonly requestTimeoutMs: number;
  /**
   * `TRUST_PROXY`: take the client address from the last `X-Forwarded-For` entry (set it when a
   * load balancer you run sits in front). @default false
   */
  readonly trustProxy: boolean;
  readonly rateLimit: {
    /** `RATE_LIMIT_ENABLED`. @default true */
    readonly enabled: boolean;
    /** `RATE_LIMIT_BURST`: points in each user's (or anonymous IP's) bucket. @default 300 */
    readonly burst: number;
    /** `RATE_LIMIT_PER_SECOND`: points a bucket regains per second. @default 10 */
    readonly perSecond: number;
    /**
     * `RATE_LIMIT_COMPLEXITY_PER_POINT`: an operation costs 1 point, plus floor(complexity /
     * this), plus 5 for a mutation; an answer from the response cache costs 1 (a 100-row page of
     * expenses costs 4). @default 500
     */
    readonly complexityPerPoint: number;
    /** `RATE_LIMIT_AUTH_PER_MINUTE`: signUp and logIn calls per client IP per minute. @default 20 */
    readonly authPerMinute: number;
    /** `RATE_LIMIT_LOGIN_FAILURES_PER_MINUTE`: failed log-ins per email per minute. @default 5 */
    readonly loginFailuresPerMinute: number;
  };
  readonly persisted: {
    /** `PERSISTED_QUERIES`: accept automatic persisted queries (sha256 hashes). @default true */
    readonly automatic: boolean;
    /** `PERSISTED_ONLY`: accept only operations listed in the manifest. @default false */
    readonly only: boolean;
    /** `PERSISTED_MANIFEST`: the manifest (`npm run persisted:manifest`). @default './persisted-operations.json' */
    readonly manifestPath: string;
  };
  /**
   * OpenTelemetry traces over OTLP/HTTP, configured as the OpenTelemetry specification says:
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is the traces URL as it is, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` is the collector's base URL (`/v1/traces` is appended);
   * `OTEL_EXPORTER_OTLP_HEADERS` / `OTEL_EXPORTER_OTLP_TRACES_HEADERS` (`key=value,…`) go with
   * every export; `OTEL_SERVICE_NAME` names the service; `OTEL_SDK_DISABLED=true` turns it off.
   * @default no endpoint: no tracing
   */
  readonly telemetry: {
    readonly tracesEndpoint: string | undefined;
    readonly headers: Readonly<Record<string, string>>;
    readonly serviceName: string;
  };
  readonly limits: {
    /** `MAX_DEPTH`: deepest selection allowed. @default 12 */
    readonly maxDepth: number;
    /** `MAX_COMPLEXITY`: estimated cost (list fields multiply by their page size). @default 25000 */
    readonly maxComplexity: number;
    /** `MAX_ALIASES`: aliases in one document. @default 15 */
    readonly maxAliases: number;
    /** `MAX_BODY_BYTES`: largest request body; larger is 413. @default 1048576 */
    readonly maxBodyBytes: number;
    /** `MAX_TOKENS`: lexical tokens in one document. @default 2000 */
    readonly maxTokens: number;
    /** `MAX_DIRECTIVES`: directives in one document. @default 50 */
    readonly maxDirectives: number;
  };
  readonly subscriptions: {
    /** `SUBSCRIPTIONS_PER_USER`: live streams one user may hold open on a process. @default 20 */
    readonly perUser: number;
    /** `SUBSCRIPTIONS_PER_PROCESS`: live streams one process holds open at most. @default 10000 */
    readonly perProcess: number;
  };
  /** `GRAPHIQL`: serve GraphiQL to browsers. @default true (false when NODE_ENV=production) */
  readonly graphiql: boolean;
  /**
   * `CORS_ORIGINS`: comma-separated origins (`https://app.example.com`) whose pages may call the
   * API from the browser, with credentials; `*` lets any origin in without credentials.
   * @default none (same-origin pages only, as GraphiQL)
   */
  readonly corsOrigins: readonly string[];
  /**
   * `INTROSPECTION`: allow introspection and "Did you mean" field suggestions.
   * @default true (false when NODE_ENV=production)
   */
  readonly introspection: boolean;
  readonly cache: {
    /** `CACHE_ENABLED`: false turns off response and entity caching. @default true */
    readonly enabled: boolean;
    /** `CACHE_L1_MAX_ENTRIES`: entries in the in-process LRU. @default 10000 */
    readonly l1MaxEntries: number;
    /** `CACHE_L1_MAX_BYTES`: approximate bytes the in-process LRU may hold. @default 67108864 */
    readonly l1MaxBytes: number;
    /** `CACHE_RESPONSE_TTL_SECONDS`: longest a whole response is kept (types may lower it). @default 60 */
    readonly responseTtlSeconds: number;
    /** `CACHE_ENTITY_TTL_SECONDS`: how long users, categories and keywords are kept. @default 300 */
    readonly entityTtlSeconds: number;
    /** `CACHE_REDIS_TIMEOUT_MS`: a Redis cache operation slower than this is a miss. @default 50 */
    readonly redisTimeoutMs: number;
    /** `CACHE_NAMESPACE`: key prefix; unset means one derived from the database's identity. */
    readonly namespace: string | undefined;
  };
  readonly worker: {
    /** `WORKER_ENABLED`: run a job worker inside the API process. @default true */
    readonly enabled: boolean;
    /** `WORKER_CONCURRENCY`: jobs one worker runs at once. @default 4 */
    readonly concurrency: number;
    /** `WORKER_POLL_INTERVAL_MS`: fallback polling (LISTEN/NOTIFY wakes workers at once), and the job outbox relay's. @default 1000 */
    readonly pollIntervalMs: number;
    /** `WORKER_HEARTBEAT_MS`: how often a worker records that it is alive (and sweeps). @default 2000 */
    readonly heartbeatMs: number;
    /**
     * `WORKER_STALE_AFTER_MS`: a worker silent this long is dead; its jobs are unlocked (with the
     * heartbeat period, a killed worker's jobs run again within 8 s). @default 6000
     */
    readonly staleAfterMs: number;
    /** `WORKER_SHUTDOWN_TIMEOUT_MS`: on SIGTERM, running jobs get this long to finish. @default 10000 */
    readonly shutdownTimeoutMs: number;
    /** `JOB_RETENTION_DAYS`: finished job records are pruned after this. @default 7 */
    readonly retentionDays: number;
    /** `NOTIFICATION_TIMEOUT_MS`: a notification webhook slower than this is retried. @default 5000 */
    readonly notificationTimeoutMs: number;
    /** `METRICS_DEBOUNCE_MS`: rollups of a user's day wait this long for more writes. @default 2000 */
    readonly metricsDebounceMs: number;
  };
  /** `SLOW_QUERY_MS`: operations and SQL statements slower than this are logged as warnings. @default 100 */
  readonly slowQueryMs: number;
  /** `LOG_LEVEL`. @default 'info' ('silent' under test) */
  readonly logLevel: string;
  /** `LOADERS`: `off` resolves relations row by row; kept only for the load comparison. @default 'on' */
  readonly loaders: 'on' | 'off';
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(
  env: Env,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`${name} must be an integer ${range}, got "${raw}"`);
  }
  return value;
}

/** Comma-separated origins: each a bare scheme://host[:port], or the single `*`. */
function origins(env: Env, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  const list = raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (list.includes('*')) {
    if (list.length > 1) throw new ConfigError(`${name} is either * or a list of origins`);
    return list;
  }
  for (const item of list) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(item);
    } catch {}
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== item) {
      throw new ConfigError(`${name} holds "${item}", not an origin like https://app.example.com`);
    }
  }
  return list;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}`);
  }
  return raw;
}

/** A comma-separated list of URLs, each checked as `url` does (the message names the list). */
function urls(env: Env, name: string, protocols: readonly string[]): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => url({ [name]: item }, name, protocols) as string);
}

/** The traces URL under an OTLP base URL: the specification appends `v1/traces` to its path. */
function tracesUnder(base: string | undefined): string | undefined {
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

/** OTLP headers, `key=value` pairs separated by commas, values percent-decoded (the spec's W3C
 * Baggage form). */
function otlpHeaders(env: Env, name: string): Record<string, string> {
  const raw = env[name]?.trim();
  if (!raw) return {};
  const headers: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at).trim();
    if (at <= 0 || !key)
      throw new ConfigError(`${name} must be key=value pairs separated by commas`);
    try {
      headers[key.toLowerCase()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      throw new ConfigError(`${name} has a value that is not percent-encoded properly`);
    }
  }
  return headers;
}

/** Parses the environment into a frozen Config; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'], 'development');
  const jwtSecret = env.JWT_SECRET || undefined;
  if (nodeEnv === 'production' && (jwtSecret === undefined || jwtSecret.length < 32)) {
    throw new ConfigError(
      'JWT_SECRET must be set to at least 32 characters when NODE_ENV=production',
    );
  }
  const adminEmails = (env.ADMIN_EMAILS ?? '')
    .split(',')
    .map((email) => email.trim())
    .filter(Boolean);
  const config: Config = {
    nodeEnv,
    port: int(env, 'PORT', 4000, 0, 65_535),
    host: env.HOST || '127.0.0.1',
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseReplicaUrls: urls(env, 'DATABASE_REPLICA_URLS', ['postgres:', 'postgresql:']),
    replicas: {
      maxLagMs: int(env, 'REPLICA_MAX_LAG_MS', 1000, 1),
      pollMs: int(env, 'REPLICA_POLL_MS', 100, 10),
      waitMs: int(env, 'REPLICA_WAIT_MS', 0, 0),
    },
    databaseDirectUrl: url(env, 'DATABASE_DIRECT_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    jwtSecret,
    jwtTtlSeconds: int(env, 'JWT_TTL_SECONDS', 7 * 24 * 3600, 60),
    authRecheckSeconds: int(env, 'AUTH_RECHECK_SECONDS', 30, 0),
    webhookAllowPrivateHosts: new Set(
      (env.WEBHOOK_ALLOW_PRIVATE_HOSTS ?? '')
        .split(',')
        .map((host) =>
          host
            .trim()
            .toLowerCase()
            .replace(/^\[|\]$/g, ''),
        )
        .filter(Boolean),
    ),
    adminEmails,
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    db: {
      poolMax: int(env, 'DB_POOL_MAX', 10, 1),
      statementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 5000),
      prepare: bool(env, 'DB_PREPARE', true),
      planCacheMode: oneOf(
        env,
        'DB_PLAN_CACHE_MODE',
        ['auto', 'force_generic_plan', 'force_custom_plan'],
        'force_generic_plan',
      ),
      poolWaitMs: int(env, 'DB_POOL_WAIT_MS', 2000, 1),
    },
    webConcurrency: int(env, 'WEB_CONCURRENCY', 1, 1),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 10_000, 1),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    rateLimit: {
      enabled: bool(env, 'RATE_LIMIT_ENABLED', true),
      burst: int(env, 'RATE_LIMIT_BURST', 300, 1),
      perSecond: int(env, 'RATE_LIMIT_PER_SECOND', 10, 1),
      complexityPerPoint: int(env, 'RATE_LIMIT_COMPLEXITY_PER_POINT', 500, 1),
      authPerMinute: int(env, 'RATE_LIMIT_AUTH_PER_MINUTE', 20, 1),
      loginFailuresPerMinute: int(env, 'RATE_LIMIT_LOGIN_FAILURES_PER_MINUTE', 5, 1),
    },
    persisted: {
      automatic: bool(env, 'PERSISTED_QUERIES', true),
      only: bool(env, 'PERSISTED_ONLY', false),
      manifestPath: path.resolve(env.PERSISTED_MANIFEST || 'persisted-operations.json'),
    },
    telemetry: {
      tracesEndpoint: bool(env, 'OTEL_SDK_DISABLED', false)
        ? undefined
        : (url(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http:', 'https:']) ??
          tracesUnder(url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']))),
      headers: {
        ...otlpHeaders(env, 'OTEL_EXPORTER_OTLP_HEADERS'),
        ...otlpHeaders(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
      },
      serviceName: env.OTEL_SERVICE_NAME || 'ledgerline',
    },
    limits: {
      maxDepth: int(env, 'MAX_DEPTH', 12, 1),
      maxComplexity: int(env, 'MAX_COMPLEXITY', 25_000, 1),
      maxAliases: int(env, 'MAX_ALIASES', 15),
      maxBodyBytes: int(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024),
      maxTokens: int(env, 'MAX_TOKENS', 2000, 10),
      maxDirectives: int(env, 'MAX_DIRECTIVES', 50),
    },
    graphiql: bool(env, 'GRAPHIQL', nodeEnv !== 'production'),
    corsOrigins: origins(env, 'CORS_ORIGINS'),
    subscriptions: {
      perUser: int(env, 'SUBSCRIPTIONS_PER_USER', 20, 1),
      perProcess: int(env, 'SUBSCRIPTIONS_PER_PROCESS', 10_000, 1),
    },
    introspection: bool(env, 'INTROSPECTION', nodeEnv !== 'production'),
    cache: {
      enabled: bool(env, 'CACHE_ENABLED', true),
      l1MaxEntries: int(env, 'CACHE_L1_MAX_ENTRIES', 10_000, 1),
      l1MaxBytes: int(env, 'CACHE_L1_MAX_BYTES', 64 * 1024 * 1024, 1024),
      responseTtlSeconds: int(env, 'CACHE_RESPONSE_TTL_SECONDS', 60, 1),
      entityTtlSeconds: int(env, 'CACHE_ENTITY_TTL_SECONDS', 300, 1),
      redisTimeoutMs: int(env, 'CACHE_REDIS_TIMEOUT_MS', 50, 1),
      namespace: env.CACHE_NAMESPACE || undefined,
    },
    worker: {
      enabled: bool(env, 'WORKER_ENABLED', true),
      concurrency: int(env, 'WORKER_CONCURRENCY', 4, 1),
      pollIntervalMs: int(env, 'WORKER_POLL_INTERVAL_MS', 1000, 10),
      heartbeatMs: int(env, 'WORKER_HEARTBEAT_MS', 2000, 10),
      staleAfterMs: int(env, 'WORKER_STALE_AFTER_MS', 6000, 50),
      shutdownTimeoutMs: int(env, 'WORKER_SHUTDOWN_TIMEOUT_MS', 10_000, 0),
      retentionDays: int(env, 'JOB_RETENTION_DAYS', 7, 1),
      notificationTimeoutMs: int(env, 'NOTIFICATION_TIMEOUT_MS', 5000, 10),
      metricsDebounceMs: int(env, 'METRICS_DEBOUNCE_MS', 2000, 0),
    },
    slowQueryMs: int(env, 'SLOW_QUERY_MS', 100),
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      nodeEnv === 'test' ? 'silent' : 'info',
    ),
    loaders: oneOf(env, 'LOADERS', ['on', 'off'], 'on'),
  };
  if (config.databaseReplicaUrls.length > 0 && !config.databaseUrl) {
    throw new ConfigError('DATABASE_REPLICA_URLS needs DATABASE_URL (the primary they replicate)');
  }
  if (config.databaseDirectUrl && !config.databaseUrl) {
    throw new ConfigError('DATABASE_DIRECT_URL needs DATABASE_URL');
  }
  if (config.webConcurrency > 1) {
    if (!config.databaseUrl) {
      throw new ConfigError('WEB_CONCURRENCY > 1 needs DATABASE_URL (not the embedded Postgres)');
    }
    if (!config.redisUrl && (config.cache.enabled || config.rateLimit.enabled)) {
      throw new ConfigError(
        'WEB_CONCURRENCY > 1 needs REDIS_URL while CACHE_ENABLED or RATE_LIMIT_ENABLED is on',
      );
    }
  }
  return Object.freeze(config);
}
