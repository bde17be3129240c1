/**
 * Brute-force limits for signUp and logIn: attempts per client address, and failed log-ins per
 * email (a locked email is refused even with the right password until its bucket refills).
 */

import { rateLimited } from '../domain/errors.js';
import { emailKey } from '../email.js';
import type { RateLimiter } from './limiter.js';
import { type Policies, rateLimitHeaders } from './policies.js';
import type { BucketPolicy, Decision } from './token-bucket.js';

export interface AuthLimits {
  /** Counts a signUp or logIn attempt from this client; throws RATE_LIMITED when over. */
  attempt(): Promise<void>;
  /** Throws RATE_LIMITED while `email` has used up its failed log-ins. */
  beforeLogIn(email: string): Promise<void>;
  logInFailed(email: string): Promise<void>;
}

export const noAuthLimits: AuthLimits = {
  attempt: async () => {},
  beforeLogIn: async () => {},
  logInFailed: async () => {},
};

function refuse(policy: BucketPolicy, decision: Decision, message: string): never {
  throw rateLimited(
    `${message}; retry in ${decision.retryAfterSeconds} s`,
    rateLimitHeaders(policy, decision),
  );
}

export function createAuthLimits(
  limiter: RateLimiter,
  policies: Policies,
  clientAddress: string,
): AuthLimits {
  // The key log-in looks the account up by (src/email.ts): a Unicode variant of an email is
  // the same account, so it is the same bucket.
  const bucketOf = (email: string) => `email:${emailKey(email)}`;
  return {
    async attempt() {
      const decision = await limiter.take(policies.auth, `ip:${clientAddress}`);
      if (!decision.allowed) refuse(policies.auth, decision, 'Too many sign-up or log-in attempts');
    },
    async beforeLogIn(email) {
      const decision = await limiter.peek(policies.loginFailures, bucketOf(email));
      if (!decision.allowed)
        refuse(policies.loginFailures, decision, 'Too many failed log-ins for this email');
    },
    async logInFailed(email) {
      await limiter.take(policies.loginFailures, bucketOf(email));
    },
  };
}
