import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/**
 * RS256 key for id_tokens. intuit-oauth's validateIdToken() fetches the JWKS, finds the key by `kid`, rebuilds
 * a PEM from `n`/`e` and verifies, after checking `iss`, `aud` (an array) and `exp` (§2.1).
 */
export class IdTokenSigner {
  private constructor(
    private readonly privateKey: PrivateKey,
    private readonly publicJwk: JWK,
  ) {}

  static async create(): Promise<IdTokenSigner> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
    const jwk = await exportJWK(publicKey);
    return new IdTokenSigner(privateKey, { ...jwk, kid: 'sandbox-rs256-1', alg: 'RS256', use: 'sig' });
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  async sign(claims: {
    issuer: string;
    clientId: string;
    subject: string;
    realmId: string | null;
    nowMs: number;
    lifetimeSeconds: number;
  }): Promise<string> {
    const iat = Math.floor(claims.nowMs / 1000);
    return new SignJWT({
      aud: [claims.clientId],
      auth_time: iat,
      ...(claims.realmId ? { realmid: claims.realmId } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid: this.publicJwk.kid })
      .setIssuer(claims.issuer)
      .setSubject(claims.subject)
      .setIssuedAt(iat)
      .setExpirationTime(iat + claims.lifetimeSeconds)
      .sign(this.privateKey);
  }
}
