import { describe, expect, it } from '@jest/globals';
import { codeChallengeS256, createCodeVerifier, createPkcePair } from '../../../src/quickbooks/pkce.js';

describe('PKCE S256', () => {
  it('matches the RFC 7636 appendix B example', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes 43-character verifiers from the unreserved set, different every time', () => {
    const verifiers = new Set(Array.from({ length: 50 }, () => createCodeVerifier()));
    expect(verifiers.size).toBe(50);
    for (const verifier of verifiers) expect(verifier).toMatch(/^[A-Za-z0-9\-._~]{43}$/);
  });

  it('pairs a verifier with its challenge', () => {
    const pair = createPkcePair();
    expect(pair.method).toBe('S256');
    expect(pair.challenge).toBe(codeChallengeS256(pair.verifier));
  });

  it('refuses verifiers RFC 7636 does not allow', () => {
    expect(() => codeChallengeS256('too-short')).toThrow(RangeError);
    expect(() => codeChallengeS256('a'.repeat(129))).toThrow(RangeError);
    expect(() => codeChallengeS256(`${'a'.repeat(43)}+`)).toThrow(RangeError);
  });
});
