/**
 * Token buckets: `capacity` points, refilled continuously at `perSecond`. A request takes `cost`
 * points or is refused, and is told how long until that many points are back.
 *
 * Written here rather than taken from rate-limiter-flexible: that library counts fixed windows
 * (points per duration), while the contract is a bucket that refills continuously, atomically
 * shared across instances. The Redis side is one Lua script; the in-process side (used when
 * Redis is absent or failing) is the same arithmetic over an LRU of buckets.
 */
import { LRUCache } from 'lru-cache';

export interface BucketPolicy {
  /** Names the bucket family in keys, metrics and the RateLimit-Policy header. */
  readonly name: string;
  readonly capacity: number;
  readonly perSecond: number;
}

export interface Decision {
  readonly allowed: boolean;
  /** Points left after this request (0 when refused). */
  readonly remaining: number;
  /** Whole seconds until `cost` points are available again (0 when allowed). */
  readonly retryAfterSeconds: number;
  /** Whole seconds until the bucket is full again. */
  readonly resetSeconds: number;
}

export function decide(
  tokens: number,
  allowed: boolean,
  cost: number,
  policy: BucketPolicy,
): Decision {
  return {
    allowed,
    remaining: Math.max(0, Math.floor(tokens)),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((cost - tokens) / policy.perSecond)),
    resetSeconds: Math.ceil((policy.capacity - tokens) / policy.perSecond),
  };
}

/**
 * KEYS[1] bucket; ARGV capacity, perSecond, cost. Uses the Redis server's clock, so instances
 * with skewed clocks still agree. Returns {allowed (0/1), tokens left as a string}.
 */
export const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
`;

/** The same buckets in this process only. */
export class MemoryBuckets {
  readonly #buckets = new LRUCache<string, { tokens: number; at: number }>({ max: 100_000 });

  take(key: string, cost: number, policy: BucketPolicy, now = Date.now()): Decision {
    const state = this.#buckets.get(key);
    let tokens = state
      ? Math.min(policy.capacity, state.tokens + ((now - state.at) * policy.perSecond) / 1000)
      : policy.capacity;
    const allowed = tokens >= cost;
    if (allowed) tokens -= cost;
    this.#buckets.set(key, { tokens, at: now });
    return decide(tokens, allowed, cost, policy);
  }
}
