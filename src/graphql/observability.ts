/**
 * Per-operation metrics and logs, and error masking: expected errors keep their code; anything
 * else is logged with the request id and reaches the client only as INTERNAL_SERVER_ERROR.
 */
import { randomUUID } from 'node:crypto';
import { PothosValidationError } from '@pothos/core';
import { GraphQLError, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { PoolBusyError } from '../db/guarded-sql.js';
import { DeadlineError } from '../deadline.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { unavailable } from './errors.js';

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
              code: String(error.extensions?.code ?? 'UNKNOWN'),
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
            errors: errors.map((error) => error.extensions?.code ?? 'UNKNOWN'),
          };
          if (ms > slowMs) log.warn(fields, 'slow operation');
          else log.info(fields, 'operation');
        },
      };
    },
  };
}

/** TIMEOUT or SERVICE_UNAVAILABLE for the server's own limits, wherever in the cause chain. */
function limitCode(error: unknown): 'TIMEOUT' | 'SERVICE_UNAVAILABLE' | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof DeadlineError) return 'TIMEOUT';
    if (e instanceof PoolBusyError) return 'SERVICE_UNAVAILABLE';
    // Postgres query_canceled: statement_timeout fired.
    if ((e as { code?: string }).code === '57014') return 'TIMEOUT';
  }
  return undefined;
}

const LIMIT_MESSAGES = {
  TIMEOUT: 'The operation took too long and was cancelled',
  SERVICE_UNAVAILABLE: 'The server is busy; retry shortly',
} as const;

export function createMaskError(log: Logger) {
  return (error: unknown, message: string): Error => {
    if (error instanceof GraphQLError) {
      const original = error.originalError;
      if (!original || original instanceof GraphQLError) return error;
      const code = limitCode(original);
      if (code) {
        return unavailable(code, LIMIT_MESSAGES[code], { nodes: error.nodes, path: error.path });
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
    log.error({ err: error }, 'unexpected error');
    return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  };
}
