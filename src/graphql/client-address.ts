/**
 * The client's address, for per-IP limits. Behind a load balancer we run (TRUST_PROXY=true) it
 * is the last `X-Forwarded-For` entry, the one our proxy appended; earlier entries are whatever
 * the client sent and prove nothing. Otherwise it is the socket's peer.
 */
import type { IncomingMessage } from 'node:http';

export function clientAddress(
  request: Request,
  serverContext: { req?: IncomingMessage } | undefined,
  trustProxy: boolean,
): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for');
    const last = forwarded?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return serverContext?.req?.socket?.remoteAddress ?? 'unknown';
}
