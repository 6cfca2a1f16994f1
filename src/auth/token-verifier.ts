import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config.js';
import type { Viewer } from './viewer.js';

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`Invalid token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

export interface TokenVerifier {
  verify(token: string): Promise<Viewer>;
}

/**
 * Claims this subgraph reads from the caller's JWT (forwarded by the gateway):
 * `sub` (user id), `tenants` (host Customer ids the user may act for), `roles`.
 */
function toViewer(payload: JWTPayload): Viewer {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new InvalidTokenError('missing sub');
  const tenants = payload.tenants;
  if (!Array.isArray(tenants) || !tenants.every((t): t is string => typeof t === 'string')) {
    throw new InvalidTokenError('tenants claim must be an array of customer ids');
  }
  const roles = Array.isArray(payload.roles)
    ? payload.roles.filter((r): r is string => typeof r === 'string')
    : [];
  return { userId: payload.sub, tenants: new Set(tenants), roles };
}

export function createTokenVerifier(auth: Config['auth']): TokenVerifier {
  const options = { issuer: auth.issuer, audience: auth.audience };
  let verifyWith: (token: string) => Promise<JWTPayload>;
  if (auth.mode === 'jwt' && auth.jwksUrl) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(auth.jwksUrl));
    verifyWith = async (token) => (await jwtVerify(token, jwks, options)).payload;
  } else if (auth.secret) {
    const key = new TextEncoder().encode(auth.secret);
    verifyWith = async (token) =>
      (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload;
  } else {
    throw new Error('no JWT secret or JWKS URL configured');
  }
  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        payload = await verifyWith(token);
      } catch (error) {
        // jose's codes (ERR_JWT_EXPIRED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED, ...) say why without the token.
        throw new InvalidTokenError((error as { code?: string }).code ?? 'verification failed');
      }
      return toViewer(payload);
    },
  };
}

export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}
