import { GraphQLError } from 'graphql';

/** The codes API.md promises in `extensions.code`. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'INTERNAL_SERVER_ERROR';

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
