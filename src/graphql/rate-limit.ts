/**
 * Charges every operation against the caller's bucket (the user's, or the client address's when
 * anonymous), before any resolver runs; over the limit the answer is RATE_LIMITED with 429.
 *
 * Costs follow GitHub's GraphQL API: a point per operation, plus one per
 * RATE_LIMIT_COMPLEXITY_PER_POINT of measured complexity (about 30 rows of a page), and a
 * mutation a few points more. An answer from the response cache costs the one point, so a flood
 * of identical requests is limited too, while a screen a person loads costs a handful.
 * Runs after the query limits, which measure the complexity.
 */
import { type GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import { rateLimited } from '../domain/errors.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import type { Policies } from '../rate-limit/policies.js';
import { rateLimitHeaders } from '../rate-limit/policies.js';
import type { Decision } from '../rate-limit/token-bucket.js';
import type { Context } from './context.js';
import { toGraphQLError } from './errors.js';
import { operationCost } from './query-limits.js';

/** What a mutation costs beyond its complexity: writes take transactions, jobs and evictions. */
export const MUTATION_POINTS = 5;

/** The caller's budget after this operation, as `Query.rateLimit` reports it. */
export interface Budget {
  readonly limit: number;
  readonly remaining: number;
  readonly cost: number;
  readonly resetAt: Date;
}

/** The points an operation costs: 1, plus its complexity in points, plus a mutation's extra. */
export function pointsFor(complexity: number, isMutation: boolean, policies: Policies): number {
  return (
    1 + Math.floor(complexity / policies.complexityPerPoint) + (isMutation ? MUTATION_POINTS : 0)
  );
}

const budgets = new WeakMap<object, Budget>();

/** The budget the limiter granted the operation running with `context` (unset: no limiter). */
export function budgetOf(context: object): Budget | undefined {
  return budgets.get(context);
}

function budgetFrom(decision: Decision, cost: number, policies: Policies): Budget {
  return {
    limit: policies.request.capacity,
    remaining: decision.remaining,
    cost,
    resetAt: new Date(Date.now() + decision.resetSeconds * 1000),
  };
}

export interface RateLimit {
  readonly plugin: Plugin;
  /** The budget headers for a request the limiter let through (sent with its response). */
  headersFor(request: Request): Record<string, string> | undefined;
  /**
   * Charges an answer served from the response cache (one point): undefined when it may be
   * sent, else the refusal to send instead.
   */
  chargeCached(
    request: Request,
    viewer: Viewer | null,
    clientAddress: string,
  ): Promise<GraphQLError | undefined>;
}

export function useRateLimit(limiter: RateLimiter, policies: Policies): RateLimit {
  const granted = new WeakMap<Request, Record<string, string>>();

  /** Takes `cost` points: the decision (its headers kept for the response), or the refusal. */
  async function charge(
    request: Request,
    key: string,
    cost: number,
  ): Promise<{ refusal: GraphQLError } | { decision: Decision }> {
    const decision = await limiter.take(policies.request, key, cost);
    const headers = rateLimitHeaders(policies.request, decision);
    if (!decision.allowed) {
      return {
        refusal: toGraphQLError(
          rateLimited(
            `Rate limit exceeded: this operation costs ${cost} points; retry in ${decision.retryAfterSeconds} s`,
            headers,
          ),
        ),
      };
    }
    granted.set(request, headers);
    return { decision };
  }

  const plugin: Plugin = {
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context;
      const key = ctx.viewer ? `user:${ctx.viewer.id}` : `ip:${ctx.clientAddress}`;
      const operation = getOperationAST(args.document, args.operationName);
      const cost = pointsFor(
        operationCost(ctx) ?? 0,
        operation?.operation === 'mutation',
        policies,
      );
      const outcome = await charge(ctx.request, key, cost);
      if ('refusal' in outcome) {
        setResultAndStopExecution({ errors: [outcome.refusal] });
        return;
      }
      budgets.set(ctx, budgetFrom(outcome.decision, cost, policies));
    },
    onResponse({ request, response }) {
      const headers = granted.get(request);
      if (headers)
        for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    },
  };

  return {
    plugin,
    headersFor: (request) => granted.get(request),
    async chargeCached(request, viewer, address) {
      const key = viewer ? `user:${viewer.id}` : `ip:${address}`;
      const outcome = await charge(request, key, 1);
      return 'refusal' in outcome ? outcome.refusal : undefined;
    },
  };
}
