/**
 * The Postgres connection pool (postgres.js) and the Drizzle instances over it. One pool per
 * app; a cheap Drizzle instance per request carries that request's SQL statement counter.
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
  return postgres(url, {
    max: config.poolMax,
    prepare: config.prepare,
    idle_timeout: 30,
    connect_timeout: 10,
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
}

export type Pool = ReturnType<typeof createPool>;

export function createDb(pool: Pool, observer?: SqlObserver): Db {
  return drizzle(pool, {
    logger: observer ? { logQuery: (query) => observer.onQuery(query) } : false,
  });
}
