import { policiesFrom } from '../../rate-limit/policies.js';
import { builder } from '../builder.js';
import { operationCost } from '../query-limits.js';
import { type Budget, budgetOf, pointsFor } from '../rate-limit.js';

// Reading the budget is free: none of these fields adds to the operation's complexity.
const RateLimit = builder.objectRef<Budget>('RateLimit').implement({
  description: "The caller's rate-limit budget, as the RateLimit response headers also tell.",
  fields: (t) => ({
    limit: t.exposeInt('limit', { complexity: 0, description: 'Points in a full bucket.' }),
    remaining: t.exposeInt('remaining', {
      complexity: 0,
      description: 'Points left now, after this operation.',
    }),
    cost: t.exposeInt('cost', { complexity: 0, description: 'What this operation cost.' }),
    resetAt: t.field({
      type: 'DateTime',
      complexity: 0,
      description: 'When the bucket is full again.',
      resolve: (budget) => budget.resetAt.toISOString(),
    }),
  }),
});

builder.queryField('rateLimit', (t) =>
  t.field({
    type: RateLimit,
    complexity: 0,
    description:
      'The caller\'s budget (a user\'s, or the client address\'s when anonymous); selecting it costs nothing. With rate limiting off, nothing is spent and "remaining" stays at "limit".',
    resolve: (_root, _args, ctx, info) => {
      const granted = budgetOf(ctx);
      if (granted) return granted;
      const policies = policiesFrom(ctx.config.rateLimit);
      return {
        limit: policies.request.capacity,
        remaining: policies.request.capacity,
        cost: pointsFor(operationCost(ctx) ?? 0, info.operation.operation === 'mutation', policies),
        resetAt: new Date(),
      };
    },
  }),
);
