/**
 * The one scenario with rate limiting on: a gateway with the default buckets, one user flooding
 * the (uncached) dashboard. Expected: roughly burst + refill × seconds worth of points pass, the
 * rest are 429 with Retry-After, no 5xx, and a second user is served normally meanwhile.
 */
import autocannon from 'autocannon';
import { post } from './graphql-client.js';
import { DASHBOARD } from './queries.js';

export interface LimitFigures {
  readonly requests: number;
  readonly allowed: number;
  readonly limited: number;
  readonly other: number;
  readonly expectedAllowed: number;
  readonly bystanderOk: boolean;
}

export async function rateLimitScenario(
  base: string,
  flooder: string,
  bystander: string,
  seconds: number,
): Promise<LimitFigures> {
  const probe = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${flooder}` },
    body: JSON.stringify({ query: DASHBOARD }),
  });
  const policy = /^(\d+);w=(\d+)$/.exec(probe.headers.get('ratelimit-policy') ?? '');
  const remaining = Number(/remaining=(\d+)/.exec(probe.headers.get('ratelimit') ?? '')?.[1]);
  if (!policy || Number.isNaN(remaining)) throw new Error('the gateway sent no RateLimit headers');
  const burst = Number(policy[1]);
  const perSecond = burst / Number(policy[2]);
  const cost = burst - remaining;
  const statuses = new Map<number, number>();
  let bystanderOk = true;
  const flood = new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${base}/graphql`,
        method: 'POST',
        connections: 8,
        duration: seconds,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${flooder}` },
        body: JSON.stringify({ query: DASHBOARD }),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, status) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    });
  });
  // Meanwhile, another user asks now and then and must always get an answer.
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const res = await post(base, DASHBOARD, undefined, bystander);
    if (res.errors) bystanderOk = false;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const result = await flood;
  const allowed = statuses.get(200) ?? 0;
  const limited = statuses.get(429) ?? 0;
  return {
    requests: result.requests.total,
    allowed,
    limited,
    other: result.requests.total - allowed - limited + result.errors,
    // What the bucket permits after the probe: what was left plus the refill, per request cost.
    expectedAllowed: Math.floor((remaining + perSecond * seconds) / cost),
    bystanderOk,
  };
}
