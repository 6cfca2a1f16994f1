import { SignJWT } from 'jose';
import type { HostCredentials } from '../config.js';
import { SERVICE_CLAIM } from '../auth/token-verifier.js';

/** How long a minted service token lives: long enough for one call, short enough that a leak expires. */
export const SERVICE_TOKEN_SECONDS = 300;

/** The bearer token for one call to the host on behalf of one tenant. */
export type ServiceBearer = (tenantId: string) => Promise<string>;

/**
 * Bearer tokens for calls to the host as the product's service. A minted token names only the one tenant
 * the call is for, so even a wrong invoice id cannot reach another tenant's data; a fresh one per call,
 * so none outlives its call by more than SERVICE_TOKEN_SECONDS. A static token (JWKS mode, where we hold
 * no signing key) is the operator's to scope. `none` credentials are the caller's to refuse with its own
 * error type, before asking for a bearer.
 */
export function createServiceBearer(credentials: Exclude<HostCredentials, { kind: 'none' }>): ServiceBearer {
  if (credentials.kind === 'static') return () => Promise.resolve(credentials.token);
  const secretKey = new TextEncoder().encode(credentials.secret);
  return (tenantId) => {
    let jwt = new SignJWT({ tenants: [tenantId], [SERVICE_CLAIM]: credentials.serviceName })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`service:${credentials.serviceName}`)
      .setIssuedAt()
      .setExpirationTime(`${SERVICE_TOKEN_SECONDS}s`);
    if (credentials.issuer) jwt = jwt.setIssuer(credentials.issuer);
    if (credentials.audience) jwt = jwt.setAudience(credentials.audience);
    return jwt.sign(secretKey);
  };
}
