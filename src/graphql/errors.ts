/**
 * Domain errors as GraphQL errors: the code (and field) in `extensions`, and for limits the HTTP
 * status and headers in `extensions.http`, which yoga turns into the response's status and
 * headers and leaves out of the body.
 */
import { GraphQLError } from 'graphql';
import { AppError, type ErrorCode } from '../domain/errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  RATE_LIMITED: 429,
  TIMEOUT: 504,
  SERVICE_UNAVAILABLE: 503,
};

export function toGraphQLError(
  error: AppError,
  at: { nodes?: GraphQLError['nodes']; path?: GraphQLError['path'] } = {},
): GraphQLError {
  const { field, retryAfterSeconds, budget } = error.details;
  const extensions: Record<string, unknown> = { code: error.code };
  if (field !== undefined) extensions.field = field;
  if (error.code === 'RATE_LIMITED') extensions.retryAfter = retryAfterSeconds ?? 1;
  const status = STATUS[error.code];
  if (status !== undefined) {
    extensions.http = {
      status,
      headers: budget ?? { 'Retry-After': String(retryAfterSeconds ?? 1) },
    };
  }
  return new GraphQLError(error.message, { ...at, extensions });
}

/** Runs `parse`, giving a domain error to graphql-js as the GraphQL error it understands. */
export function asGraphQL<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw error instanceof AppError ? toGraphQLError(error) : error;
  }
}

/**
 * An error's code before masking has run: a domain error thrown in a resolver arrives wrapped,
 * its code still on the original.
 */
export function codeOf(error: GraphQLError): string | undefined {
  const original = error.originalError;
  if (original instanceof AppError) return original.code;
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}
