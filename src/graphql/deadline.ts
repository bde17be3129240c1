/**
 * The per-request deadline: an operation still running at REQUEST_TIMEOUT_MS is answered with
 * TIMEOUT (504) at once; the context's guarded SQL client cancels its running statements at the
 * same moment, so nothing keeps a backend busy for a client that has its answer.
 */
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { unavailable } from '../domain/errors.js';
import type { Metrics } from '../metrics.js';
import type { Context } from './context.js';
import { toGraphQLError } from './errors.js';

export function useDeadline(metrics: Metrics, timeoutMs: number): Plugin {
  const timedOut = (): ExecutionResult => {
    metrics.deadlines.inc();
    return {
      errors: [
        toGraphQLError(
          unavailable('TIMEOUT', `The operation did not finish within ${timeoutMs} ms`),
        ),
      ],
    };
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { deadline } = args.contextValue as Context;
      setExecuteFn(async (executionArgs) => {
        if (deadline.expired) return timedOut();
        let unsubscribe = () => {};
        const cutOff = new Promise<ExecutionResult>((resolve) => {
          unsubscribe = deadline.onExpire(() => resolve(timedOut()));
        });
        try {
          return await Promise.race([
            Promise.resolve(executeFn(executionArgs)) as Promise<ExecutionResult>,
            cutOff,
          ]);
        } finally {
          unsubscribe();
          deadline.clear();
        }
      });
    },
  };
}
