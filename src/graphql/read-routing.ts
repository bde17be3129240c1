/**
 * Sends a query's reads to a read replica when one has replayed the viewer's last write
 * (db/read-routing.ts); mutations, subscriptions and everything they read stay on the primary.
 * Runs as the operation is about to execute: after the response cache's lookup (a hit never gets
 * here) and after the rate limiter (a refused operation reads nothing).
 */
import type { OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from './context.js';

export function useReadRouting(): Plugin {
  return {
    async onExecute({ args }) {
      const ctx = args.contextValue as Partial<Context>;
      if (!ctx.routeReads) return;
      const operation = (args.document.definitions as readonly OperationDefinitionNode[]).find(
        (d) =>
          d.kind === 'OperationDefinition' &&
          (!args.operationName || d.name?.value === args.operationName),
      );
      if (operation?.operation === 'query') await ctx.routeReads();
    },
  };
}
