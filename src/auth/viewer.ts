/**
 * Who is asking: the bearer token's claims. Verification is remembered per token by the token
 * service, so the response cache (before the context exists) and the context can both ask.
 */
import { userError } from '../graphql/errors.js';
import { decodeId } from '../graphql/global-id.js';
import type { Role, TokenService } from './tokens.js';

export interface Viewer {
  readonly id: number;
  readonly role: Role;
}

/** The viewer for an Authorization header value; null when there is none. */
export type Authenticate = (authorization: string | null) => Promise<Viewer | null>;

export function createAuthenticator(tokens: TokenService): Authenticate {
  return async (authorization) => {
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const claims = match?.[1] ? await tokens.verify(match[1]) : null;
    const id = claims ? decodeId(claims.sub, 'User') : null;
    if (!claims || id === null) {
      throw userError('UNAUTHENTICATED', 'The bearer token is invalid or expired');
    }
    return { id, role: claims.role };
  };
}
