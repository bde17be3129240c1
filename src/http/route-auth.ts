/** What the non-GraphQL routes answer with, and who is asking them. */
import type { Authenticate, Viewer } from '../auth/viewer.js';
import { AppError } from '../domain/errors.js';
import { limitOf } from '../graphql/observability.js';
import type { Logger } from '../logger.js';

export function problem(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/**
 * What a route answers when it throws: 503 or 504 with Retry-After for a database outage or the
 * server's own limits, else a logged 500 that says nothing of the cause (no SQL, no stack).
 */
export function routeFailure(error: unknown, log: Logger): Response {
  const limit = limitOf(error);
  if (limit) {
    const response = problem(limit.code === 'TIMEOUT' ? 504 : 503, limit.code, limit.message);
    response.headers.set('retry-after', '1');
    return response;
  }
  log.error({ err: error }, 'unexpected error in a route');
  return problem(500, 'INTERNAL_SERVER_ERROR', 'Unexpected error.');
}

/**
 * The bearer token's viewer, or the response to send instead: 401 for a missing or bad token,
 * 503 with Retry-After when the user cannot be read now (a database outage must not look like
 * a revoked token to a client, which would log its user out).
 */
export async function routeViewer(
  authenticate: Authenticate,
  request: Request,
): Promise<Viewer | Response> {
  try {
    const viewer = await authenticate(request.headers.get('authorization'));
    if (viewer) return viewer;
  } catch (error) {
    if (error instanceof AppError && error.code === 'SERVICE_UNAVAILABLE') {
      const response = problem(503, 'SERVICE_UNAVAILABLE', error.message);
      response.headers.set('retry-after', '1');
      return response;
    }
  }
  return problem(401, 'UNAUTHENTICATED', 'A valid bearer token is required');
}
