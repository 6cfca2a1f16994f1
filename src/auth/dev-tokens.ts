import { SignJWT } from 'jose';

export interface TokenClaims {
  userId: string;
  tenants: string[];
  roles?: string[];
  issuer?: string;
  audience?: string;
  expiresIn?: string;
}

/** Signs an HS256 token with the given secret: for AUTH_MODE=dev-insecure, local tools and tests. */
export async function mintToken(secret: string, claims: TokenClaims): Promise<string> {
  let jwt = new SignJWT({ tenants: claims.tenants, roles: claims.roles ?? ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h');
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
