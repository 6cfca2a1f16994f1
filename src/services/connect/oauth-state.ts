import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

/**
 * The OAuth `state` parameter: a short-lived HS256 JWS (jose) naming a server-side nonce, the tenant and the
 * user who started the connect. The signature stops forgery; the nonce record (state-store.ts) makes it
 * single-use and holds what must not travel through the browser (the PKCE verifier, returnTo). A dedicated
 * audience and key keep a state from ever passing as an API token, and the reverse.
 */
const AUDIENCE = 'quickbooks-oauth-state';

export const STATE_LIFETIME_SECONDS = 600;

export interface StateClaims {
  nonce: string;
  tenantId: string;
  userId: string;
}

export type StateProblem = 'malformed' | 'forged' | 'expired';

export class OAuthStateError extends Error {
  override readonly name = 'OAuthStateError';
  constructor(readonly problem: StateProblem | 'replayed' | 'mismatch') {
    super(`OAuth state ${problem}`);
  }
}

export function createStateSigner(secret: string, now: () => Date) {
  const key = new TextEncoder().encode(secret);
  const seconds = () => Math.floor(now().getTime() / 1000);
  return {
    async sign(claims: StateClaims): Promise<string> {
      return new SignJWT({ tid: claims.tenantId })
        .setProtectedHeader({ alg: 'HS256', typ: 'oauth-state' })
        .setJti(claims.nonce)
        .setSubject(claims.userId)
        .setAudience(AUDIENCE)
        .setIssuedAt(seconds())
        .setExpirationTime(seconds() + STATE_LIFETIME_SECONDS)
        .sign(key);
    },

    async verify(state: string): Promise<StateClaims> {
      if (state.length > 2048 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(state))
        throw new OAuthStateError('malformed');
      try {
        const { payload } = await jwtVerify(state, key, {
          algorithms: ['HS256'],
          audience: AUDIENCE,
          typ: 'oauth-state',
          requiredClaims: ['jti', 'sub', 'exp'],
          currentDate: now(),
        });
        if (typeof payload.tid !== 'string' || !payload.jti || !payload.sub)
          throw new OAuthStateError('malformed');
        return { nonce: payload.jti, tenantId: payload.tid, userId: payload.sub };
      } catch (error) {
        if (error instanceof OAuthStateError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new OAuthStateError('expired');
        if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw new OAuthStateError('forged');
        throw new OAuthStateError('malformed');
      }
    },
  };
}

export type StateSigner = ReturnType<typeof createStateSigner>;
