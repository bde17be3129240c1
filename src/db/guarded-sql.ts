/**
 * Back-pressure and deadlines for the postgres.js pool: for statements built once (`query`), and
 * seen by Drizzle as an ordinary client (`client`).
 *
 * - A bounded wait for a connection: postgres.js queues queries without limit when every
 *   connection is busy, so each statement outside a transaction (and each transaction) first
 *   takes one of `poolMax` permits, waiting at most `DB_POOL_WAIT_MS` (PoolBusyError after).
 * - A deadline: when the request's deadline passes, its running statements are cancelled
 *   (Postgres cancel request, so the backend stops and goes idle) and new ones fail at once.
 * - Every statement is counted (the request's own count and the app's counter) and timed: a
 *   histogram, slow ones logged.
 *
 * The permits are app-wide (one queue per pool); the guard is per request.
 */
import { type Span, type SpanOptions, SpanStatusCode, trace } from '@opentelemetry/api';
import type postgres from 'postgres';
import { type Deadline, DeadlineError } from '../deadline.js';
import { tracingEnabled } from '../telemetry.js';
import type { Pool } from './client.js';
import type { SqlRunner } from './statement.js';

/** All connections were busy for longer than the configured wait. */
export class PoolBusyError extends Error {
  constructor(waitedMs: number) {
    super(`All database connections stayed busy for ${waitedMs} ms`);
  }
}

export interface PoolPermits {
  /** A permit's release function; rejects with PoolBusyError after the configured wait. */
  acquire(): Promise<() => void>;
  /** A free permit's release function at once, or undefined when a wait would be needed. */
  tryAcquire(): (() => void) | undefined;
  /** Permits held and callers waiting for one, now (for /metrics: no SQL to know it). */
  stats(): { inUse: number; waiting: number; max: number };
}

/** Called once per statement when it ends (or fails), with its duration. */
export type StatementObserver = (text: string, ms: number) => void;

const tracer = trace.getTracer('ledgerline');

/**
 * `max` permits, each waited for at most `waitMs`, first come first served. Hand-written over
 * async-mutex's Semaphore + withTimeout: that one arms a timer for every acquire, which cost
 * about 40 µs per statement in profiles; here a free permit is taken synchronously and only a
 * waiter gets a timer. `onWait` hears of waits only (ms waited, whether a permit came).
 */
export function createPoolPermits(
  max: number,
  waitMs: number,
  onWait?: (ms: number, ok: boolean) => void,
): PoolPermits {
  let free = max;
  const waiters: { grant(): void }[] = [];
  const release = () => {
    const next = waiters.shift();
    if (next) next.grant();
    else free += 1;
  };
  const once = () => {
    let released = false;
    return () => {
      if (!released) {
        released = true;
        release();
      }
    };
  };
  const tryAcquire = () => {
    if (free === 0) return undefined;
    free -= 1;
    return once();
  };
  return {
    tryAcquire,
    stats: () => ({ inUse: max - free, waiting: waiters.length, max }),
    acquire() {
      const permit = tryAcquire();
      if (permit) return Promise.resolve(permit);
      const started = performance.now();
      return new Promise((resolve, reject) => {
        const waiter = {
          grant: () => {
            clearTimeout(timer);
            onWait?.(performance.now() - started, true);
            resolve(once());
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          onWait?.(performance.now() - started, false);
          reject(new PoolBusyError(waitMs));
        }, waitMs);
        waiters.push(waiter);
      });
    },
  };
}

export interface GuardOptions {
  readonly permits: PoolPermits;
  /** The request's deadline: running statements are cancelled when it passes. */
  readonly deadline?: Deadline;
  readonly onStatement?: StatementObserver;
  /** Called as each statement is sent (the app's statement counter). */
  readonly onQuery?: (text: string) => void;
  /** The request's own statement count, kept here rather than through a Drizzle logger. */
  readonly stats?: { sqlStatements: number };
}

/** A request's guarded pool: statements built once, and a postgres.js client for Drizzle. */
export interface GuardedSql extends SqlRunner {
  /** The same guard as a postgres.js client, for `drizzle()` (made on first use). */
  readonly client: Pool;
  /**
   * Sends the statements from now on to `pool` (a read replica, chosen before a query runs);
   * ignored once the Drizzle client is made, which stays on the pool it was made over.
   */
  readFrom(pool: Pool): void;
}

const SPAN: SpanOptions = { attributes: { 'db.system': 'postgresql' } };

/**
 * Named prepared statements: postgres.js caches them per connection by text (one round trip,
 * planned once). Drizzle asks for unnamed ones unless `.prepare(name)` is used, and postgres.js
 * then parses, describes and plans every time, in two round trips. The pool's own `prepare`
 * setting (DB_PREPARE=false behind PgBouncer) still turns them all off.
 */
const PREPARED: postgres.UnsafeQueryOptions = { prepare: true };

type Params = postgres.ParameterOrJSON<never>[];

/**
 * The guard over `pool` for one request. It is made for every request, so its methods live on
 * the prototype and its deadline hook and set of running statements wait for a first statement.
 */
class Guard implements GuardedSql {
  #pool: Pool;
  readonly #options: GuardOptions;
  #running: Set<{ cancel(): void }> | undefined;
  #client: Pool | undefined;

  constructor(pool: Pool, options: GuardOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  run<R extends object>(text: string, params: readonly unknown[]): Promise<R[]> {
    return this.#send(this.#pool, text, params as Params, PREPARED, false, false) as Promise<R[]>;
  }

  get client(): Pool {
    this.#client ??= this.#wrap(this.#pool, false) as Pool;
    return this.#client;
  }

  readFrom(pool: Pool): void {
    if (!this.#client) this.#pool = pool;
  }

  /**
   * Sends one statement: counted, under a permit (unless it runs in a transaction, which holds
   * one), refused once the deadline has passed, timed, and traced when tracing is on.
   */
  #send(
    client: postgres.Sql,
    text: string,
    params: Params,
    queryOptions: postgres.UnsafeQueryOptions,
    values: boolean,
    permitted: boolean,
  ): Promise<unknown> {
    const { stats, deadline, permits } = this.#options;
    if (stats) stats.sqlStatements += 1;
    this.#options.onQuery?.(text);
    if (deadline?.expired) return Promise.reject(new DeadlineError());
    const free = permitted ? noop : permits.tryAcquire();
    if (free) return this.#traced(client, text, params, queryOptions, values, free);
    return permits.acquire().then((release) => {
      if (deadline?.expired) {
        release();
        throw new DeadlineError();
      }
      return this.#traced(client, text, params, queryOptions, values, release);
    });
  }

  #traced(
    client: postgres.Sql,
    text: string,
    params: Params,
    queryOptions: postgres.UnsafeQueryOptions,
    values: boolean,
    release: () => void,
  ): Promise<unknown> {
    if (!tracingEnabled())
      return this.#execute(client, text, params, queryOptions, values, release);
    return tracer.startActiveSpan('sql', SPAN, (span) => {
      span.setAttribute('db.statement', text);
      return this.#execute(client, text, params, queryOptions, values, release, span);
    });
  }

  async #execute(
    client: postgres.Sql,
    text: string,
    params: Params,
    queryOptions: postgres.UnsafeQueryOptions,
    values: boolean,
    release: () => void,
    span?: Span,
  ): Promise<unknown> {
    const { deadline, onStatement } = this.#options;
    const query = client.unsafe(text, params, queryOptions);
    if (values) query.values();
    const running = deadline ? this.#tracked(deadline) : undefined;
    running?.add(query);
    const started = performance.now();
    try {
      return await query;
    } catch (error) {
      span?.setStatus({ code: SpanStatusCode.ERROR });
      // A statement cancelled because the deadline passed reads as such, not as a DB error.
      if (deadline?.expired) throw new DeadlineError();
      throw error;
    } finally {
      running?.delete(query);
      release();
      onStatement?.(text, performance.now() - started);
      span?.end();
    }
  }

  /** The running statements, cancelled when the deadline passes (hooked on first use). */
  #tracked(deadline: Deadline): Set<{ cancel(): void }> {
    if (this.#running) return this.#running;
    const running = new Set<{ cancel(): void }>();
    this.#running = running;
    deadline.onExpire(() => {
      for (const query of running) query.cancel();
    });
    return running;
  }

  /**
   * `client` as Drizzle sees it: `unsafe(text, params, options)` (awaited, or `.values()` first)
   * and `begin(fn)` go through the guard; everything else passes through.
   */
  #wrap(client: postgres.Sql, permitted: boolean): postgres.Sql {
    return new Proxy(client, {
      get: (target, property, receiver) => {
        if (property === 'unsafe') {
          return (text: string, params?: unknown[], queryOptions?: postgres.UnsafeQueryOptions) =>
            this.#lazy(target, text, (params ?? []) as Params, queryOptions, permitted);
        }
        if (property === 'begin') {
          return async (...args: unknown[]) => {
            const fn = args.at(-1) as (tx: postgres.Sql) => unknown;
            const { deadline, permits } = this.#options;
            if (deadline?.expired) throw new DeadlineError();
            const release = permitted ? noop : await permits.acquire();
            try {
              return await (target.begin as (...a: unknown[]) => Promise<unknown>)(
                ...args.slice(0, -1),
                (tx: postgres.Sql) => fn(this.#wrap(tx, true)),
              );
            } finally {
              release();
            }
          };
        }
        if (property === 'savepoint') {
          return (...args: unknown[]) => {
            const fn = args.at(-1) as (tx: postgres.Sql) => unknown;
            return (target as unknown as postgres.TransactionSql).savepoint(
              ...(args.slice(0, -1) as []),
              (tx) => fn(this.#wrap(tx as unknown as postgres.Sql, true)),
            );
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
  }

  /** What Drizzle gets from `unsafe`: runs when awaited, as rows or (after `.values()`) arrays. */
  #lazy(
    client: postgres.Sql,
    text: string,
    params: Params,
    queryOptions: postgres.UnsafeQueryOptions | undefined,
    permitted: boolean,
  ) {
    let values = false;
    let promise: Promise<unknown> | undefined;
    const options = queryOptions ? { ...queryOptions, prepare: true } : PREPARED;
    const statement = {
      values() {
        values = true;
        return statement;
      },
      // biome-ignore lint/suspicious/noThenProperty: Drizzle awaits what `unsafe` returns
      then: <T, E>(onFulfilled?: (value: unknown) => T, onRejected?: (reason: unknown) => E) => {
        promise ??= this.#send(client, text, params, options, values, permitted);
        return promise.then(onFulfilled, onRejected);
      },
    };
    return statement;
  }
}

/** The guard for one request (or, without a deadline, for the app's own routes). */
export function createGuard(pool: Pool, options: GuardOptions): GuardedSql {
  return new Guard(pool, options);
}

/**
 * A client for `drizzle()` over `pool` that takes a permit per statement or transaction, obeys
 * the deadline and reports each statement.
 */
export function guardSql(pool: Pool, options: GuardOptions): Pool {
  return createGuard(pool, options).client;
}

/** Statements built once, run straight on the pool (worker, scripts): no permits, no deadline. */
export function poolRunner(
  pool: Pick<postgres.Sql, 'unsafe'>,
  onQuery?: (text: string) => void,
): SqlRunner {
  return {
    run<R extends object>(text: string, params: readonly unknown[]) {
      onQuery?.(text);
      return pool.unsafe(text, params as Params, PREPARED) as unknown as Promise<R[]>;
    },
  };
}

function noop() {}

/** Statement text with whitespace collapsed and literals out, for logs (parameters never logged). */
export function normalizeSql(text: string): string {
  return text
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 1000);
}
