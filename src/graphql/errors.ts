import { GraphQLError } from 'graphql';

/** The codes API.md promises in `extensions.code`. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'INTERNAL_SERVER_ERROR'
  // Beyond API.md's list: the request was fine but the server could not finish it in time
  // (TIMEOUT, HTTP 504) or had no free database connection (SERVICE_UNAVAILABLE, HTTP 503).
  | 'TIMEOUT'
  | 'SERVICE_UNAVAILABLE'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_NOT_SUPPORTED';

/** An expected error: shown to the client as is, with its code (and the input field, if any). */
export function userError(code: ErrorCode, message: string, field?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: field === undefined ? { code } : { code, field },
  });
}

export const badInput = (message: string, field?: string) =>
  userError('BAD_USER_INPUT', message, field);

export const notFound = (what: string) => userError('NOT_FOUND', `${what} not found`);

export const unauthenticated = () =>
  userError('UNAUTHENTICATED', 'You must be logged in (Authorization: Bearer <token>)');

/**
 * RATE_LIMITED with HTTP 429 and the RateLimit headers (yoga turns `extensions.http` into the
 * response's status and headers, and leaves it out of the body).
 */
export function rateLimited(message: string, headers: Record<string, string>): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter: Number(headers['Retry-After'] ?? 1),
      http: { status: 429, headers },
    },
  });
}

/** An error for the server's own limits: its code and HTTP status, with Retry-After. */
export function unavailable(
  code: 'TIMEOUT' | 'SERVICE_UNAVAILABLE',
  message: string,
  extras: { nodes?: GraphQLError['nodes']; path?: GraphQLError['path'] } = {},
): GraphQLError {
  return new GraphQLError(message, {
    ...extras,
    extensions: {
      code,
      http: { status: code === 'TIMEOUT' ? 504 : 503, headers: { 'Retry-After': '1' } },
    },
  });
}
