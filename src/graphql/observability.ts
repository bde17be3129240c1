/**
 * Per-operation metrics and logs, and error masking: expected errors keep their code; anything
 * else is logged with the request id and reaches the client only as INTERNAL_SERVER_ERROR.
 */
import { PothosValidationError } from '@pothos/core';
import { GraphQLError, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

export function useOperationMetrics(metrics: Metrics, log: Logger): Plugin {
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
      return {
        onExecuteDone({ result }) {
          const ctx = args.contextValue as Context;
          const errors = 'errors' in result ? (result.errors ?? []) : [];
          const seconds = (performance.now() - started) / 1000;
          metrics.operations.inc({
            operation: name,
            type,
            outcome: errors.length ? 'error' : 'ok',
          });
          metrics.operationDuration.observe({ operation: name, type }, seconds);
          metrics.sqlPerRequest.observe({ operation: name }, ctx.stats.sqlStatements);
          for (const error of errors) {
            metrics.errors.inc({ code: String(error.extensions?.code ?? 'UNKNOWN') });
          }
          log.debug(
            {
              operation: name,
              type,
              ms: seconds * 1000,
              sql: ctx.stats.sqlStatements,
              user: ctx.viewer?.id,
            },
            'operation',
          );
        },
      };
    },
  };
}

export function createMaskError(log: Logger) {
  return (error: unknown, message: string): Error => {
    if (error instanceof GraphQLError) {
      const original = error.originalError;
      if (!original || original instanceof GraphQLError) return error;
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
