import {
  createRemoteJWKSet,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
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

/**
 * Every token must carry `exp`, in every mode: a token without it is a credential that never lapses, and
 * dev and test tokens (mintToken) always set one, so development behaves as production does.
 * AUTH_MAX_TOKEN_AGE_SECONDS also bounds a token's age by its `iat` (jose's maxTokenAge then requires iat).
 */
export function createTokenVerifier(auth: Config['auth']): TokenVerifier {
  const options: JWTVerifyOptions = {
    issuer: auth.issuer,
    audience: auth.audience,
    requiredClaims: ['exp'],
    ...(auth.maxTokenAgeSeconds !== undefined ? { maxTokenAge: auth.maxTokenAgeSeconds } : {}),
  };
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
        // jose's codes (ERR_JWT_EXPIRED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED, ...) and, for a missing or
        // bad claim, the claim's name say why without the token.
        const { code, claim } = error as { code?: string; claim?: string };
        throw new InvalidTokenError(
          code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim
            ? `${code}: ${claim}`
            : (code ?? 'verification failed'),
        );
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
