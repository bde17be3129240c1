/** HS256 JWTs with `sub` (the user's global ID), `role` and `exp`. */
import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';

export type Role = 'user' | 'admin';

export interface TokenClaims {
  readonly sub: string;
  readonly role: Role;
}

/** What a verified token says, with when it was issued (seconds since the epoch). */
export interface VerifiedClaims extends TokenClaims {
  readonly iat: number;
}

export interface TokenService {
  sign(claims: TokenClaims): Promise<string>;
  /** The claims of a valid token, or null when it is expired, forged or malformed. */
  verify(token: string): Promise<VerifiedClaims | null>;
}

export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const key = new TextEncoder().encode(secret);
  // A token verified once stays valid until its exp: remember it rather than re-run HMAC (an
  // async WebCrypto call) on every request. Expiry is still checked on every use.
  const verified = new LRUCache<string, VerifiedClaims & { exp: number }>({ max: 10_000 });
  return {
    sign: ({ sub, role }) =>
      new SignJWT({ role })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key),
    async verify(token) {
      const known = verified.get(token);
      if (known) {
        if (known.exp * 1000 > Date.now()) return known;
        verified.delete(token);
        return null;
      }
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          requiredClaims: ['exp'],
        });
        const role = payload.role;
        if (typeof payload.sub !== 'string' || (role !== 'user' && role !== 'admin')) return null;
        const claims: VerifiedClaims & { exp: number } = {
          sub: payload.sub,
          role,
          iat: payload.iat ?? 0,
          exp: payload.exp as number,
        };
        verified.set(token, claims);
        return claims;
      } catch (error) {
        if (error instanceof errors.JOSEError) return null;
        throw error;
      }
    },
  };
}
