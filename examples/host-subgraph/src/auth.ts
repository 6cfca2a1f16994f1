import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';

/**
 * The public signing secret of AUTH_MODE=dev-insecure. Copied from src/config.ts
 * (DEV_INSECURE_JWT_SECRET) so tokens minted for the product subgraph also work here; this example
 * imports nothing from src. Anyone can forge tokens with it: development and tests only.
 */
export const DEV_INSECURE_JWT_SECRET = 'dev-insecure-quickbooks-subgraph-secret-do-not-use';

/** Give `secret` (HS256) or `jwksUrl` (RS256/ES256 keys from a JWKS endpoint), like the product subgraph. */
export interface HostAuthOptions {
  /** HS256 secret, at least 32 characters */
  secret?: string;
  /** JWKS endpoint, used when no secret is given */
  jwksUrl?: string;
  /** When set, tokens must carry this `iss` */
  issuer?: string;
  /** When set, tokens must carry this `aud` */
  audience?: string;
}

/**
 * The caller, from the JWT: `sub`, `tenants` (Customer ids it may act for) and, from `tenant_roles`
 * (`{ "<customerId>": ["admin"] }`, as the product subgraph reads it), the tenants it administers:
 * informational here, the host enforces no role. A global `roles` claim is ignored. `service` marks a
 * service token (the QuickBooks subgraph's): only those may record payments.
 */
export interface Viewer {
  userId: string;
  tenants: ReadonlySet<string>;
  adminOf: ReadonlySet<string>;
  /** The calling service's name (the `service` claim), only on service tokens such as the product's */
  service: string | null;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`Invalid token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

export const MIN_SECRET_LENGTH = 32;

function toViewer(payload: JWTPayload): Viewer {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new InvalidTokenError('missing sub');
  const tenants = payload.tenants;
  if (!Array.isArray(tenants) || !tenants.every((t): t is string => typeof t === 'string')) {
    throw new InvalidTokenError('tenants claim must be an array of customer ids');
  }
  // Informational only, so a malformed claim is read as no roles rather than refusing the token.
  const tenantRoles = payload.tenant_roles;
  const adminOf = new Set<string>();
  if (typeof tenantRoles === 'object' && tenantRoles !== null && !Array.isArray(tenantRoles)) {
    for (const [customerId, roles] of Object.entries(tenantRoles)) {
      if (tenants.includes(customerId) && Array.isArray(roles) && roles.includes('admin'))
        adminOf.add(customerId);
    }
  }
  // Refused rather than ignored when malformed, as the product subgraph does: it was meant to grant something.
  const service = payload.service;
  if (service !== undefined && (typeof service !== 'string' || service.length === 0)) {
    throw new InvalidTokenError('service claim must be a non-empty string');
  }
  return { userId: payload.sub, tenants: new Set(tenants), adminOf, service: service ?? null };
}

export function createTokenVerifier(options: HostAuthOptions): (token: string) => Promise<Viewer> {
  // A token without `exp` would be valid forever, so one that leaks could never be outlived.
  const claims = { issuer: options.issuer, audience: options.audience, requiredClaims: ['exp'] };
  let verifyWith: (token: string) => Promise<JWTPayload>;
  if (options.secret !== undefined) {
    if (options.secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`auth.secret must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    const key = new TextEncoder().encode(options.secret);
    verifyWith = async (token) => (await jwtVerify(token, key, { ...claims, algorithms: ['HS256'] })).payload;
  } else if (options.jwksUrl) {
    const jwks = createRemoteJWKSet(new URL(options.jwksUrl));
    verifyWith = async (token) => (await jwtVerify(token, jwks, claims)).payload;
  } else {
    throw new Error('auth needs a secret (HS256) or a jwksUrl');
  }
  return async (token) => {
    let payload: JWTPayload;
    try {
      payload = await verifyWith(token);
    } catch (error) {
      throw new InvalidTokenError((error as { code?: string }).code ?? 'verification failed');
    }
    return toViewer(payload);
  };
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1];
}

export interface DevTokenClaims {
  userId: string;
  tenants: string[];
  /** Customers the user administers (`tenant_roles`); none unless given. */
  adminOf?: string[];
  /** Makes it a service token (the `service` claim), as the product mints to record payments. */
  service?: string;
  issuer?: string;
  audience?: string;
  /** jose duration, default '12h' */
  expiresIn?: string;
}

/** Signs an HS256 token the host (and the product subgraph, given the same secret) accepts. */
export async function mintDevToken(secret: string, claims: DevTokenClaims): Promise<string> {
  const tenantRoles = claims.adminOf?.length
    ? { tenant_roles: Object.fromEntries(claims.adminOf.map((id) => [id, ['admin']])) }
    : {};
  const service = claims.service ? { service: claims.service } : {};
  let jwt = new SignJWT({ tenants: claims.tenants, ...tenantRoles, ...service })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h');
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
