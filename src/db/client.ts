/**
 * The Postgres connection pool (postgres.js) and the Drizzle instances over it. One pool per
 * app; reads run statements built once (statement.ts) through the request's guard, and a
 * request that writes gets a Drizzle instance over that guard when it first asks for one.
 */
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Config } from '../config.js';

export type Db = PostgresJsDatabase;
/** A database handle or an open transaction: query functions take either. */
export type Executor = Pick<Db, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;
export type Transaction = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface SqlObserver {
  /** Called once for every statement sent through Drizzle. */
  onQuery(query: string): void;
}

export function createPool(url: string, config: Config['db'], applicationName = 'ledgerline') {
  const pool = postgres(url, {
    max: config.poolMax,
    prepare: config.prepare,
    idle_timeout: 30,
    // A database that does not answer is an outage for the client to retry (503), not a wait.
    connect_timeout: 2,
    // postgres.js waits before reopening a closed connection, 3^n / 100 s for the pool's n-th
    // error in a row: a restart that closes ten connections at once put the next reconnect
    // 10-20 s away, past every waiting request's deadline. At most half a second here: a
    // database that is still down refuses the attempt at once, and the request gets its 503.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
    onnotice: () => {},
    // Keys are bigint in Postgres and well below 2^53 in practice: read them as numbers.
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number) => String(value),
        parse: (value: string) => Number(value),
      },
    },
    connection: {
      application_name: applicationName,
      statement_timeout: config.statementTimeoutMs,
      plan_cache_mode: config.planCacheMode,
      // No LLVM JIT: it compiles per execution (12 ms for the dashboard statement, once its
      // generic plan's estimate passed jit_above_cost) to save microseconds on these lookups.
      jit: 'off',
      // Timestamps leave Postgres as '... +00', which the DateTime scalar turns into ISO UTC.
      TimeZone: 'UTC',
    },
  });
  // Dates, times and timestamps stay the text Postgres sends, and JSON parameters go as given:
  // what drizzle() sets on any client it wraps, set here so statements run straight on the pool
  // read the same values before (or without) a Drizzle instance.
  const asIs = (value: unknown) => value;
  for (const type of [1082, 1083, 1114, 1115, 1182, 1184, 1185, 1231]) {
    pool.options.parsers[type] = asIs;
    pool.options.serializers[type] = asIs;
  }
  pool.options.serializers[114] = asIs;
  pool.options.serializers[3802] = asIs;
  return pool;
}

export type Pool = ReturnType<typeof createPool>;

export function createDb(pool: Pool, observer?: SqlObserver): Db {
  return drizzle(pool, {
    logger: observer ? { logQuery: (query) => observer.onQuery(query) } : false,
  });
}

/** What request code uses of Drizzle: the query builders and transactions. */
export type RequestDb = Executor & Pick<Db, 'transaction'>;

/**
 * A Drizzle instance over `client()`, made when first used: a request that only reads never
 * needs one (its statements are built once), and making one per request showed in profiles.
 * Methods on a class, so the many requests that never write allocate no closures for them.
 */
class LazyDb {
  readonly #client: () => Pool;
  #db: Db | undefined;

  constructor(client: () => Pool) {
    this.#client = client;
  }

  get #instance(): Db {
    this.#db ??= createDb(this.#client());
    return this.#db;
  }

  select(...args: Parameters<Db['select']>) {
    return this.#instance.select(...args);
  }

  insert(...args: Parameters<Db['insert']>) {
    return this.#instance.insert(...args);
  }

  update(...args: Parameters<Db['update']>) {
    return this.#instance.update(...args);
  }

  delete(...args: Parameters<Db['delete']>) {
    return this.#instance.delete(...args);
  }

  execute(...args: Parameters<Db['execute']>) {
    return this.#instance.execute(...args);
  }

  transaction(...args: Parameters<Db['transaction']>) {
    return this.#instance.transaction(...args);
  }
}

export function createLazyDb(client: () => Pool): RequestDb {
  // The methods pass their arguments on unchanged; Drizzle's generic signatures are kept here.
  return new LazyDb(client) as unknown as RequestDb;
}
