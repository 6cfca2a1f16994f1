import { SignJWT } from 'jose';
import { ADMIN_ROLE, SERVICE_CLAIM, TENANT_ROLES_CLAIM } from './token-verifier.js';

export interface TokenClaims {
  userId: string;
  /** Host Customer ids the user is a member of. */
  tenants: string[];
  /**
   * Customers the user administers (`tenant_roles: { <id>: ["admin"] }`). None unless asked, so a test that
   * forgets an admin check fails instead of passing on a role nobody meant to grant. An id outside
   * `tenants` is written all the same (tests use that) and grants nothing.
   */
  adminOf?: string[];
  /** A service token: the calling service's name (the `service` claim), e.g. "platform-host". */
  service?: string;
  issuer?: string;
  audience?: string;
  expiresIn?: string;
}

/** Signs an HS256 token with the given secret: for AUTH_MODE=dev-insecure, local tools and tests. */
export async function mintToken(secret: string, claims: TokenClaims): Promise<string> {
  const payload: Record<string, unknown> = { tenants: claims.tenants };
  if (claims.adminOf?.length) {
    payload[TENANT_ROLES_CLAIM] = Object.fromEntries(claims.adminOf.map((id) => [id, [ADMIN_ROLE]]));
  }
  if (claims.service !== undefined) payload[SERVICE_CLAIM] = claims.service;
  let jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h');
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
