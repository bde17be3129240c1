/**
 * POST /webhooks/chat: a chat integration posts `{"text": "..."}` (or plain text) with the user's
 * bearer token and gets 202 with the job id at once; parsing happens in the worker.
 */

import type { Authenticate } from '../auth/viewer.js';
import type { Executor } from '../db/client.js';
import { MAX_CHAT_MESSAGE_LENGTH, submitChatMessage } from '../domain/chat/commands.js';
import { encodeGlobalId } from '../domain/ids.js';
import type { UnitOfWork } from '../domain/unit-of-work.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import { type Policies, rateLimitHeaders } from '../rate-limit/policies.js';
import { problem, routeViewer } from './route-auth.js';

/** What a webhook call spends from the user's request bucket (it starts a parsing job). */
const WEBHOOK_COST = 5;

async function messageText(request: Request): Promise<string | undefined> {
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('text/plain')) return request.text();
  try {
    const body = (await request.json()) as { text?: unknown };
    return typeof body?.text === 'string' ? body.text : undefined;
  } catch {
    return undefined;
  }
}

export function createChatWebhook(deps: {
  /** A unit of work for one call. */
  uow: () => UnitOfWork<Executor>;
  authenticate: Authenticate;
  /** Set when rate limiting is on: calls spend from the same bucket as the user's operations. */
  rateLimit?: { limiter: RateLimiter; policies: Policies };
}) {
  return async (request: Request): Promise<Response> => {
    const viewer = await routeViewer(deps.authenticate, request);
    if (viewer instanceof Response) return viewer;
    if (deps.rateLimit) {
      const { limiter, policies } = deps.rateLimit;
      const decision = await limiter.take(policies.request, `user:${viewer.id}`, WEBHOOK_COST);
      if (!decision.allowed) {
        return Response.json(
          {
            error: {
              code: 'RATE_LIMITED',
              message: `Rate limit exceeded; retry in ${decision.retryAfterSeconds} s`,
            },
          },
          { status: 429, headers: rateLimitHeaders(policies.request, decision) },
        );
      }
    }
    const text = (await messageText(request))?.trim();
    if (!text) return problem(400, 'BAD_USER_INPUT', 'Send {"text": "..."} with the message');
    // Postgres text cannot hold NUL: refused here rather than failing in SQL.
    if (text.includes('\u0000')) {
      return problem(400, 'BAD_USER_INPUT', 'The message must not contain NUL characters');
    }
    if (text.length > MAX_CHAT_MESSAGE_LENGTH) {
      return problem(
        400,
        'BAD_USER_INPUT',
        `The message may be at most ${MAX_CHAT_MESSAGE_LENGTH} characters`,
      );
    }
    const job = await submitChatMessage({ uow: deps.uow() }, viewer, text);
    return Response.json(
      { jobId: encodeGlobalId('Job', job.id), state: job.state },
      { status: 202 },
    );
  };
}
