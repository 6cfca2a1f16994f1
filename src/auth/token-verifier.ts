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

/** The claim naming the user's roles per customer: `{ "<customerId>": ["admin"] }`. */
export const TENANT_ROLES_CLAIM = 'tenant_roles';
/** The one role this subgraph checks; other role names are accepted and grant nothing here. */
export const ADMIN_ROLE = 'admin';
/** The claim marking a service token: the calling service's name. */
export const SERVICE_CLAIM = 'service';

/**
 * The customers among `tenants` whose roles include `admin`. A role for a customer outside `tenants` counts
 * for nothing: membership is the `tenants` claim's job alone, so an identity provider that forgets to drop
 * a stale role cannot widen access. An absent or null claim means no roles anywhere.
 */
function adminTenantsOf(claim: unknown, tenants: ReadonlySet<string>): Set<string> {
  const adminOf = new Set<string>();
  if (claim === undefined || claim === null) return adminOf;
  const malformed = () =>
    new InvalidTokenError(`${TENANT_ROLES_CLAIM} claim must map customer ids to arrays of roles`);
  if (typeof claim !== 'object' || Array.isArray(claim)) throw malformed();
  for (const [customerId, roles] of Object.entries(claim)) {
    if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) throw malformed();
    if (tenants.has(customerId) && roles.includes(ADMIN_ROLE)) adminOf.add(customerId);
  }
  return adminOf;
}

/**
 * Claims this subgraph reads from the caller's JWT (forwarded by the gateway): `sub` (user id), `tenants`
 * (host Customer ids the user is a member of), `tenant_roles` (roles per customer) and `service` (the
 * calling platform service's name, only on service tokens). A global `roles` claim is ignored: a role only
 * means something within one customer.
 */
function toViewer(payload: JWTPayload): Viewer {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new InvalidTokenError('missing sub');
  const claimed = payload.tenants;
  if (!Array.isArray(claimed) || !claimed.every((t): t is string => typeof t === 'string')) {
    throw new InvalidTokenError('tenants claim must be an array of customer ids');
  }
  const tenants = new Set(claimed);
  const viewer: Viewer = {
    userId: payload.sub,
    tenants,
    adminOf: adminTenantsOf(payload[TENANT_ROLES_CLAIM], tenants),
  };
  const service = payload[SERVICE_CLAIM];
  if (service !== undefined) {
    // A malformed service claim is refused rather than ignored: it was meant to grant something.
    if (typeof service !== 'string' || service.length === 0) {
      throw new InvalidTokenError(`${SERVICE_CLAIM} claim must be a non-empty string`);
    }
    viewer.service = service;
  }
  return viewer;
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
