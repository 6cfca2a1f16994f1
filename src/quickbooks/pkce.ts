import { createHash, randomBytes } from 'node:crypto';

/**
 * PKCE (RFC 7636) with S256. Intuit does not advertise it (research note §1.2), so it is on only where
 * configured (the emulator by default); the verifier is kept server-side with the signed OAuth state.
 */
export interface PkcePair {
  verifier: string;
  challenge: string;
  method: 'S256';
}

/** 32 random bytes as base64url: 43 characters from RFC 7636's unreserved set, 256 bits of entropy. */
export function createCodeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/** BASE64URL(SHA256(ASCII(code_verifier))), RFC 7636 §4.2. */
export function codeChallengeS256(verifier: string): string {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
    throw new RangeError('a PKCE code verifier is 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)');
  }
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function createPkcePair(): PkcePair {
  const verifier = createCodeVerifier();
  return { verifier, challenge: codeChallengeS256(verifier), method: 'S256' };
}
