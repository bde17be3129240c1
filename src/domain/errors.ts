/**
 * The failures the product expects, each with a code API.md promises. They know nothing of
 * GraphQL or HTTP: the API turns them into GraphQL errors with their HTTP status
 * (graphql/errors.ts), the REST routes into problem bodies. Anything else that is thrown is a
 * bug, masked as INTERNAL_SERVER_ERROR.
 */

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

export interface ErrorDetails {
  /** The input field at fault. */
  readonly field?: string;
  /** When trying again can succeed (limits and outages). */
  readonly retryAfterSeconds?: number;
  /** The caller's budget, for RATE_LIMITED (the draft RateLimit headers). */
  readonly budget?: Readonly<Record<string, string>>;
}

/** An expected failure: shown to the client as is, with its code. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }
}

export function userError(code: ErrorCode, message: string, field?: string): AppError {
  return new AppError(code, message, field === undefined ? {} : { field });
}

export const badInput = (message: string, field?: string) =>
  userError('BAD_USER_INPUT', message, field);

export const notFound = (what: string) => userError('NOT_FOUND', `${what} not found`);

export const unauthenticated = () =>
  userError('UNAUTHENTICATED', 'You must be logged in (Authorization: Bearer <token>)');

/** Over a rate limit: `budget` holds the RateLimit headers, with Retry-After. */
export function rateLimited(message: string, budget: Record<string, string>): AppError {
  return new AppError('RATE_LIMITED', message, {
    retryAfterSeconds: Number(budget['Retry-After'] ?? 1),
    budget,
  });
}

/** The server's own limits: out of time, or no database to work with right now. */
export function unavailable(code: 'TIMEOUT' | 'SERVICE_UNAVAILABLE', message: string): AppError {
  return new AppError(code, message, { retryAfterSeconds: 1 });
}
