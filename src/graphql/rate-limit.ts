/**
 * Charges each executed operation its measured complexity (in points of
 * RATE_LIMIT_COMPLEXITY_PER_POINT) against the caller's bucket (the
 * user's, or the client address's when anonymous) before any resolver runs; over the limit the
 * answer is RATE_LIMITED with 429. Runs after the query limits, which measure the cost.
 * Responses served from the response cache never execute, so they cost nothing.
 */
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import type { Policies } from '../rate-limit/policies.js';
import { rateLimitHeaders } from '../rate-limit/policies.js';
import { rateLimited } from './errors.js';
import { operationCost } from './query-limits.js';

export interface RateLimit {
  readonly plugin: Plugin;
  /** The budget headers for a request the limiter let through (sent with its response). */
  headersFor(request: Request): Record<string, string> | undefined;
}

export function useRateLimit(limiter: RateLimiter, policies: Policies): RateLimit {
  const granted = new WeakMap<Request, Record<string, string>>();
  const plugin: Plugin = {
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context;
      const key = ctx.viewer ? `user:${ctx.viewer.id}` : `ip:${ctx.clientAddress}`;
      const complexity = operationCost(ctx) ?? 1;
      const cost = Math.max(1, Math.ceil(complexity / policies.complexityPerPoint));
      const decision = await limiter.take(policies.request, key, cost);
      const headers = rateLimitHeaders(policies.request, decision);
      if (!decision.allowed) {
        setResultAndStopExecution({
          errors: [
            rateLimited(
              `Rate limit exceeded: this operation costs ${cost} points; retry in ${decision.retryAfterSeconds} s`,
              headers,
            ),
          ],
        });
        return;
      }
      granted.set(ctx.request, headers);
    },
    onResponse({ request, response }) {
      const headers = granted.get(request);
      if (headers)
        for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    },
  };
  return { plugin, headersFor: (request) => granted.get(request) };
}
