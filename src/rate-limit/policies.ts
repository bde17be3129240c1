/** The bucket families, from configuration. */
import type { Config } from '../config.js';
import type { BucketPolicy } from './token-bucket.js';

export interface Policies {
  /** Complexity units per point of the request bucket. */
  readonly complexityPerPoint: number;
  /** Every executed operation, per user (per IP when anonymous); costs its complexity. */
  readonly request: BucketPolicy;
  /** signUp and logIn, per client IP. */
  readonly auth: BucketPolicy;
  /** Failed log-ins, per email. */
  readonly loginFailures: BucketPolicy;
}

export function policiesFrom(config: Config['rateLimit']): Policies {
  return {
    complexityPerPoint: config.complexityPerPoint,
    request: { name: 'request', capacity: config.burst, perSecond: config.perSecond },
    auth: { name: 'auth', capacity: config.authPerMinute, perSecond: config.authPerMinute / 60 },
    loginFailures: {
      name: 'login-failures',
      capacity: config.loginFailuresPerMinute,
      perSecond: config.loginFailuresPerMinute / 60,
    },
  };
}

/** The draft IETF `RateLimit` and `RateLimit-Policy` headers (and `Retry-After` when refused). */
export function rateLimitHeaders(
  policy: BucketPolicy,
  decision: {
    remaining: number;
    resetSeconds: number;
    retryAfterSeconds: number;
    allowed: boolean;
  },
): Record<string, string> {
  const window = Math.ceil(policy.capacity / policy.perSecond);
  const headers: Record<string, string> = {
    'RateLimit-Policy': `${policy.capacity};w=${window}`,
    RateLimit: `limit=${policy.capacity}, remaining=${decision.remaining}, reset=${decision.resetSeconds}`,
  };
  if (!decision.allowed) headers['Retry-After'] = String(decision.retryAfterSeconds);
  return headers;
}
