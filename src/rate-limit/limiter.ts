/**
 * The rate limiter: token buckets in Redis (one atomic script call per decision), shared by
 * every instance; the in-process buckets answer whenever Redis is absent, down or slow, so a
 * Redis outage loosens limits to per-instance ones and never fails a request.
 */
import { createHash } from 'node:crypto';
import type { RedisClientType } from '@redis/client';
import { withTimeout } from '../cache/store.js';
import type { Logger } from '../logger.js';
import type { RateLimitMetrics } from '../metrics.js';
import {
  type BucketPolicy,
  type Decision,
  decide,
  MemoryBuckets,
  TOKEN_BUCKET_LUA,
} from './token-bucket.js';

export interface RateLimiter {
  /** Takes `cost` points from `key`'s bucket of `policy`, or refuses. */
  take(policy: BucketPolicy, key: string, cost?: number): Promise<Decision>;
  /** Whether `key`'s bucket holds at least `cost` points, without taking any. */
  peek(policy: BucketPolicy, key: string, cost?: number): Promise<Decision>;
}

export interface RateLimiterDeps {
  readonly redis: RedisClientType | undefined;
  /** Key prefix shared by the instances of one deployment. */
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly metrics: RateLimitMetrics;
  readonly log: Logger;
}

const SCRIPT_SHA = createHash('sha1').update(TOKEN_BUCKET_LUA).digest('hex');

export function createRateLimiter(deps: RateLimiterDeps): RateLimiter {
  const memory = new MemoryBuckets();
  let lastWarning = 0;

  async function inRedis(
    redis: RedisClientType,
    key: string,
    policy: BucketPolicy,
    cost: number,
  ): Promise<Decision> {
    const options = {
      keys: [key],
      arguments: [String(policy.capacity), String(policy.perSecond), String(cost)],
    };
    let reply: unknown;
    try {
      reply = await withTimeout(redis.evalSha(SCRIPT_SHA, options), deps.timeoutMs);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      reply = await withTimeout(redis.eval(TOKEN_BUCKET_LUA, options), deps.timeoutMs);
    }
    const [allowed, tokens] = reply as [number, string];
    return decide(Number(tokens), allowed === 1, cost, policy);
  }

  async function take(policy: BucketPolicy, key: string, cost: number): Promise<Decision> {
    // A request can never cost more than a full bucket, or it could never pass.
    const points = Math.min(Math.max(cost, 0), policy.capacity);
    const bucketKey = `${deps.prefix}:rl:${policy.name}:${key}`;
    let decision: Decision | undefined;
    const redis = deps.redis;
    if (redis?.isReady) {
      try {
        decision = await inRedis(redis, bucketKey, policy, points);
      } catch (error) {
        deps.metrics.fallbacks.inc();
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          deps.log.warn(
            { err: (error as Error).message },
            'rate limiting falls back to in-process buckets',
          );
        }
      }
    } else if (redis) {
      deps.metrics.fallbacks.inc();
    }
    decision ??= memory.take(bucketKey, points, policy);
    if (cost > 0) {
      deps.metrics.decisions.inc({
        bucket: policy.name,
        outcome: decision.allowed ? 'allowed' : 'limited',
      });
    }
    return decision;
  }

  return {
    take: (policy, key, cost = 1) => take(policy, key, cost),
    // Taking zero points refills and reports the bucket without changing what is left.
    peek: async (policy, key, cost = 1) => {
      const decision = await take(policy, key, 0);
      return decision.remaining >= cost
        ? decision
        : decide(decision.remaining, false, cost, policy);
    },
  };
}
