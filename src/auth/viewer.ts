/**
 * Who is asking: the bearer token's claims, verified once per request (the response cache needs
 * the viewer before the GraphQL context exists, and must not verify twice).
 */
import { userError } from '../graphql/errors.js';
import { decodeId } from '../graphql/global-id.js';
import type { Role, TokenService } from './tokens.js';

export interface Viewer {
  readonly id: number;
  readonly role: Role;
}

export type Authenticate = (request: Request) => Promise<Viewer | null>;

export function createAuthenticator(tokens: TokenService): Authenticate {
  const byRequest = new WeakMap<Request, Promise<Viewer | null>>();
  async function authenticate(request: Request): Promise<Viewer | null> {
    const header = request.headers.get('authorization');
    if (!header) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const claims = match?.[1] ? await tokens.verify(match[1]) : null;
    const id = claims ? decodeId(claims.sub, 'User') : null;
    if (!claims || id === null) {
      throw userError('UNAUTHENTICATED', 'The bearer token is invalid or expired');
    }
    return { id, role: claims.role };
  }
  return (request) => {
    let viewer = byRequest.get(request);
    if (!viewer) {
      viewer = authenticate(request);
      byRequest.set(request, viewer);
    }
    return viewer;
  };
}
