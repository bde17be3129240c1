/**
 * Per-operation metrics and logs, and error masking: expected errors keep their code; anything
 * else is logged with the request id and reaches the client only as INTERNAL_SERVER_ERROR.
 */
import { randomUUID } from 'node:crypto';
import { PothosValidationError } from '@pothos/core';
import { GraphQLError, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { PoolBusyError } from '../db/guarded-sql.js';
import { DeadlineError } from '../deadline.js';
import { AppError, unavailable } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Context } from './context.js';
import { codeOf, toGraphQLError } from './errors.js';
import { withoutSuggestions } from './suggestions.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const requestIds = new WeakMap<Request, string>();

/** A client's `x-request-id` if it is sane, else a new UUID. */
export function requestIdFrom(given: string | null | undefined): string {
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The request's id (stable for the request). */
export function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (!id) {
    id = requestIdFrom(request.headers.get('x-request-id'));
    requestIds.set(request, id);
  }
  return id;
}

/** Echoes the request id on every response, so a client can quote it. */
export function useRequestId(): Plugin {
  return {
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
  };
}

/**
 * Metrics for every operation, and one JSON log line each: request id, operation, duration, SQL
 * statements, cache outcome and user; operations slower than `slowMs` are logged as warnings.
 */
export function useOperationMetrics(metrics: Metrics, log: Logger, slowMs: number): Plugin {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const operation = (args.document.definitions as readonly OperationDefinitionNode[]).find(
        (d) =>
          d.kind === 'OperationDefinition' &&
          (!args.operationName || d.name?.value === args.operationName),
      );
      const name = operation?.name?.value ?? 'anonymous';
      const type = operation?.operation ?? 'query';
      const label = metrics.operationLabel(name);
      return {
        onExecuteDone({ result }) {
          const ctx = args.contextValue as Context;
          const errors = 'errors' in result ? (result.errors ?? []) : [];
          const seconds = (performance.now() - started) / 1000;
          metrics.operations.inc({
            operation: label,
            type,
            outcome: errors.length ? 'error' : 'ok',
          });
          metrics.operationDuration.observe({ operation: label, type }, seconds);
          metrics.sqlPerRequest.observe({ operation: label }, ctx.stats.sqlStatements);
          for (const error of errors) {
            metrics.errors.inc({
              operation: label,
              code: codeOf(error) ?? 'UNKNOWN',
            });
          }
          const ms = Math.round(seconds * 10_000) / 10;
          const fields = {
            requestId: requestIdOf(ctx.request),
            operation: name,
            type,
            ms,
            sql: ctx.stats.sqlStatements,
            // Executed means not answered from the cache (a hit never gets here).
            cache: type === 'query' ? 'miss' : 'bypass',
            user: ctx.viewer?.id,
            errors: errors.map((error) => codeOf(error) ?? 'UNKNOWN'),
          };
          if (ms > slowMs) log.warn(fields, 'slow operation');
          else log.info(fields, 'operation');
        },
      };
    },
  };
}

const LIMIT_MESSAGES = {
  TIMEOUT: 'The operation took too long and was cancelled',
  SERVICE_UNAVAILABLE: 'The server is busy; retry shortly',
} as const;

/** Errors of a database that is down, restarting or unreachable (not of the operation). */
const DB_UNAVAILABLE = new Set([
  // Node sockets
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  // postgres.js
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  // Postgres: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

type LimitCode = 'TIMEOUT' | 'SERVICE_UNAVAILABLE';

/**
 * TIMEOUT or SERVICE_UNAVAILABLE (with its message) for the server's own limits and for a
 * database outage, wherever in the cause chain: clients get 504/503 with Retry-After, never a
 * 200 with "Unexpected error".
 */
export function limitOf(error: unknown): { code: LimitCode; message: string } | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof DeadlineError) return { code: 'TIMEOUT', message: LIMIT_MESSAGES.TIMEOUT };
    if (e instanceof PoolBusyError) {
      return { code: 'SERVICE_UNAVAILABLE', message: LIMIT_MESSAGES.SERVICE_UNAVAILABLE };
    }
    const code = (e as { code?: unknown }).code;
    // Postgres query_canceled: statement_timeout fired.
    if (code === '57014') return { code: 'TIMEOUT', message: LIMIT_MESSAGES.TIMEOUT };
    // Class 08: connection exceptions.
    if (typeof code === 'string' && (DB_UNAVAILABLE.has(code) || code.startsWith('08'))) {
      return { code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; retry shortly' };
    }
  }
  return undefined;
}

/** Errors the product expects (a bad token, bad input): answers to clients, not faults. */
function isExpected(value: unknown): boolean {
  return (
    value instanceof AppError ||
    (value instanceof GraphQLError && value.originalError instanceof AppError)
  );
}

/**
 * The logger yoga writes to: the app's, without the expected errors yoga logs once the mask has
 * turned them into GraphQL errors (any client could fill the error log with bad tokens).
 * Unexpected errors are logged by the mask itself.
 */
export function yogaLogger(log: Logger) {
  const call =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      if (level === 'error' && args.some(isExpected)) return;
      (log[level] as (...rest: unknown[]) => void).apply(log, args);
    };
  return { debug: call('debug'), info: call('info'), warn: call('warn'), error: call('error') };
}

export interface MaskErrorOptions {
  /** Strip suggestions (with introspection off, they would reveal what it hides). */
  readonly hideSuggestions: boolean;
}

export function createMaskError(log: Logger, options: MaskErrorOptions) {
  return (error: unknown, message: string): Error => {
    if (error instanceof GraphQLError) {
      const original = error.originalError;
      if (!original || original instanceof GraphQLError) {
        return options.hideSuggestions ? withoutSuggestions(error) : error;
      }
      if (original instanceof AppError) {
        return toGraphQLError(original, { nodes: error.nodes, path: error.path });
      }
      const limit = limitOf(original);
      if (limit) {
        return toGraphQLError(unavailable(limit.code, limit.message), {
          nodes: error.nodes,
          path: error.path,
        });
      }
      if (original instanceof PothosValidationError) {
        return new GraphQLError(original.message, {
          nodes: error.nodes,
          path: error.path,
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
      log.error({ err: original, path: error.path?.join('.') }, 'unexpected error in resolver');
      return new GraphQLError(message, {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
    }
    // Thrown before execution (the context's authentication, say).
    if (error instanceof AppError) return toGraphQLError(error);
    log.error({ err: error }, 'unexpected error');
    return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  };
}
