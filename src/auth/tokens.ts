/** HS256 JWTs with `sub` (the user's global ID), `role` and `exp`. */
import { errors, jwtVerify, SignJWT } from 'jose';

export type Role = 'user' | 'admin';

export interface TokenClaims {
  readonly sub: string;
  readonly role: Role;
}

export interface TokenService {
  sign(claims: TokenClaims): Promise<string>;
  /** The claims of a valid token, or null when it is expired, forged or malformed. */
  verify(token: string): Promise<TokenClaims | null>;
}

export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const key = new TextEncoder().encode(secret);
  return {
    sign: ({ sub, role }) =>
      new SignJWT({ role })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        const role = payload.role;
        if (typeof payload.sub !== 'string' || (role !== 'user' && role !== 'admin')) return null;
        return { sub: payload.sub, role };
      } catch (error) {
        if (error instanceof errors.JOSEError) return null;
        throw error;
      }
    },
  };
}
