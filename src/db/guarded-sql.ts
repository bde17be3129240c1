/**
 * Back-pressure and deadlines for the postgres.js pool, seen by Drizzle as an ordinary client.
 *
 * - A bounded wait for a connection: postgres.js queues queries without limit when every
 *   connection is busy, so each statement outside a transaction (and each transaction) first
 *   takes one of `poolMax` permits, waiting at most `DB_POOL_WAIT_MS` (PoolBusyError after).
 * - A deadline: when the request's deadline passes, its running statements are cancelled
 *   (Postgres cancel request, so the backend stops and goes idle) and new ones fail at once.
 * - Every statement is timed: a histogram, a callback for counting, slow ones logged.
 *
 * The permits are app-wide (one queue per pool); the wrapper is per request.
 */
import { type Span, type SpanOptions, SpanStatusCode, trace } from '@opentelemetry/api';
import type postgres from 'postgres';
import { type Deadline, DeadlineError } from '../deadline.js';
import { tracingEnabled } from '../telemetry.js';
import type { Pool } from './client.js';

/** All connections were busy for longer than the configured wait. */
export class PoolBusyError extends Error {
  constructor(waitedMs: number) {
    super(`All database connections stayed busy for ${waitedMs} ms`);
  }
}

export interface PoolPermits {
  /** A permit's release function; rejects with PoolBusyError after the configured wait. */
  acquire(): Promise<() => void>;
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
  return {
    acquire() {
      if (free > 0) {
        free -= 1;
        return Promise.resolve(once());
      }
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
}

const SPAN: SpanOptions = { attributes: { 'db.system': 'postgresql' } };

/**
 * A client for `drizzle()` over `pool` that takes a permit per statement or transaction,
 * obeys the request's deadline and reports each statement. Drizzle calls `unsafe(text, params, options)`
 * (then awaits it, or `.values()` first) and `begin(fn)`; everything else passes through.
 */
export function guardSql(pool: Pool, options: GuardOptions): Pool {
  const running = new Set<{ cancel(): void }>();
  const { deadline } = options;
  deadline?.onExpire(() => {
    for (const query of running) query.cancel();
  });

  function wrap(client: postgres.Sql, permitted: boolean): postgres.Sql {
    return new Proxy(client, {
      get(target, property, receiver) {
        if (property === 'unsafe') {
          return (text: string, params?: unknown[], queryOptions?: postgres.UnsafeQueryOptions) =>
            lazyStatement(target, text, params, queryOptions, permitted);
        }
        if (property === 'begin') {
          return async (...args: unknown[]) => {
            const fn = args.at(-1) as (tx: postgres.Sql) => unknown;
            if (deadline?.expired) throw new DeadlineError();
            const release = permitted ? noop : await options.permits.acquire();
            try {
              return await (target.begin as (...a: unknown[]) => Promise<unknown>)(
                ...args.slice(0, -1),
                (tx: postgres.Sql) => fn(wrap(tx, true)),
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
              (tx) => fn(wrap(tx as unknown as postgres.Sql, true)),
            );
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
  }

  function lazyStatement(
    client: postgres.Sql,
    text: string,
    params: unknown[] | undefined,
    queryOptions: postgres.UnsafeQueryOptions | undefined,
    permitted: boolean,
  ) {
    let values = false;
    const run = async () => {
      if (deadline?.expired) throw new DeadlineError();
      const release = permitted ? noop : await options.permits.acquire();
      if (deadline?.expired) {
        release();
        throw new DeadlineError();
      }
      const execute = async (span?: Span) => {
        span?.setAttribute('db.statement', text);
        // Drizzle asks for unnamed statements unless `.prepare(name)` is used; postgres.js then
        // parses, describes and plans every time, in two round trips. Named statements are
        // cached per connection by text (one round trip, planned once); the pool's own
        // `prepare` setting (DB_PREPARE=false behind PgBouncer) still turns them all off.
        const query = client.unsafe(text, params as postgres.ParameterOrJSON<never>[], {
          ...queryOptions,
          prepare: true,
        });
        if (values) query.values();
        running.add(query);
        const started = performance.now();
        try {
          return await query;
        } catch (error) {
          span?.setStatus({ code: SpanStatusCode.ERROR });
          // A statement cancelled because the deadline passed reads as such, not as a DB error.
          if (deadline?.expired) throw new DeadlineError();
          throw error;
        } finally {
          running.delete(query);
          release();
          options.onStatement?.(text, performance.now() - started);
          span?.end();
        }
      };
      return tracingEnabled() ? tracer.startActiveSpan('sql', SPAN, execute) : execute();
    };
    let promise: Promise<unknown> | undefined;
    const statement = {
      values() {
        values = true;
        return statement;
      },
      // biome-ignore lint/suspicious/noThenProperty: Drizzle awaits what `unsafe` returns
      then<T, E>(onFulfilled?: (value: unknown) => T, onRejected?: (reason: unknown) => E) {
        promise ??= run();
        return promise.then(onFulfilled, onRejected);
      },
    };
    return statement;
  }

  return wrap(pool, false) as Pool;
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
