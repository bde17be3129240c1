/**
 * Who is asking: the bearer token's user, with the role the database gives them now. Token
 * verification is remembered per token by the token service; the user's existence and role are
 * re-read at most every `recheckSeconds` (batched across concurrent requests), so a revoked
 * admin or a deleted user loses access within that, whatever the token's lifetime and claims.
 */
import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { unavailable, userError } from '../domain/errors.js';
import { decodeId } from '../domain/ids.js';
import type { Role, TokenService } from './tokens.js';

export interface Viewer {
  readonly id: number;
  readonly role: Role;
}

/** The viewer for an Authorization header value; null when there is none. */
export type Authenticate = (authorization: string | null) => Promise<Viewer | null>;

export interface AuthenticatorOptions {
  /** The current role of each existing user among `ids` (deleted ones absent). */
  readonly roles: (ids: readonly number[]) => Promise<Map<number, Role>>;
  /** How long a role read stands; 0: read on every request. */
  readonly recheckSeconds: number;
}

export function createAuthenticator(
  tokens: TokenService,
  options: AuthenticatorOptions,
): Authenticate {
  const invalid = () => userError('UNAUTHENTICATED', 'The bearer token is invalid or expired');
  // Concurrent requests of many users read their roles in one statement.
  const loader = new DataLoader<number, Role | null>(
    async (ids) => {
      const roles = await options.roles(ids);
      return ids.map((id) => roles.get(id) ?? null);
    },
    { cache: false },
  );
  const known =
    options.recheckSeconds > 0
      ? new LRUCache<number, { role: Role | null; readAt: number }>({
          max: 100_000,
          ttl: options.recheckSeconds * 1000,
        })
      : undefined;
  /**
   * `issuedAt` (a token's `iat`, whole seconds): a token that may have been issued after the
   * last read (a log-in after a grant) reads again; `iat` is truncated, so any read before the
   * end of that second counts as possibly earlier.
   */
  async function currentRole(id: number, issuedAt: number): Promise<Role | null> {
    const cached = known?.get(id);
    if (cached && cached.readAt >= (issuedAt + 1) * 1000) return cached.role;
    const readAt = Date.now();
    let role: Role | null;
    try {
      role = await loader.load(id);
    } catch {
      // Whoever asks cannot be told apart from a deleted user now: retry, not 401 or 500.
      throw unavailable('SERVICE_UNAVAILABLE', 'The database is unavailable; retry shortly');
    }
    known?.set(id, { role, readAt });
    return role;
  }
  return async (authorization) => {
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const claims = match?.[1] ? await tokens.verify(match[1]) : null;
    const id = claims ? decodeId(claims.sub, 'User') : null;
    if (!claims || id === null) throw invalid();
    const role = await currentRole(id, claims.iat);
    if (role === null) throw invalid();
    return { id, role };
  };
}
