import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  TokenCipher,
  TokenCipherError,
  type CipherContext,
} from '../../src/quickbooks/vault/token-cipher.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const ringA = { activeKeyId: 'A', keys: new Map([['A', keyA]]) };
const ringAB = {
  activeKeyId: 'B',
  keys: new Map([
    ['A', keyA],
    ['B', keyB],
  ]),
};
const refreshOfAcme: CipherContext = { tenantId: 'cust-acme', field: 'refresh' };
const SECRET = 'AB11700000000refresh-token-plaintext-xyz';

/** The error a decrypt throws; fails the test if it does not throw a TokenCipherError. */
function failureOf(run: () => unknown): TokenCipherError {
  try {
    run();
  } catch (error) {
    if (error instanceof TokenCipherError) return error;
    throw error;
  }
  throw new Error('expected a TokenCipherError');
}

/** Flips one bit in the decoded bytes of a part (1 iv, 2 tag, 3 ciphertext) and re-encodes it. */
function flipBit(stored: string, part: 2 | 3 | 4): string {
  const parts = stored.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('token cipher', () => {
  it('round-trips a token and tags the cipher with the active key id', () => {
    const cipher = new TokenCipher(ringA);
    const stored = cipher.encrypt(SECRET, refreshOfAcme);
    expect(stored).toMatch(/^v1\.A\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain(SECRET);
    expect(cipher.keyIdOf(stored)).toBe('A');
    expect(cipher.decrypt(stored, refreshOfAcme)).toBe(SECRET);
  });

  it('uses a fresh IV per record: the same token encrypts differently every time', () => {
    const cipher = new TokenCipher(ringA);
    const ciphers = Array.from({ length: 20 }, () => cipher.encrypt(SECRET, refreshOfAcme));
    expect(new Set(ciphers).size).toBe(20);
    expect(new Set(ciphers.map((c) => c.split('.')[2])).size).toBe(20);
  });

  it.each([
    ['IV', 2],
    ['tag', 3],
    ['ciphertext', 4],
  ] as const)('refuses a cipher whose %s was altered', (_name, part) => {
    const cipher = new TokenCipher(ringA);
    const tampered = flipBit(cipher.encrypt(SECRET, refreshOfAcme), part);
    expect(failureOf(() => cipher.decrypt(tampered, refreshOfAcme)).failure).toBe('tampered');
  });

  it('refuses a cipher relabelled with another key id, known or unknown', () => {
    const cipher = new TokenCipher(ringAB);
    const underB = cipher.encrypt(SECRET, refreshOfAcme);
    const relabelled = underB.replace(/^v1\.B\./, 'v1.A.');
    expect(failureOf(() => cipher.decrypt(relabelled, refreshOfAcme)).failure).toBe('tampered');
    const unknown = failureOf(() => cipher.decrypt(underB.replace(/^v1\.B\./, 'v1.Z.'), refreshOfAcme));
    expect(unknown.failure).toBe('unknown_key');
    expect(unknown.keyId).toBe('Z');
    expect(unknown.message).toContain('QUICKBOOKS_TOKEN_KEYS');
  });

  it('binds a cipher to its tenant and field: copied elsewhere it does not decrypt', () => {
    const cipher = new TokenCipher(ringA);
    const stored = cipher.encrypt(SECRET, refreshOfAcme);
    expect(
      failureOf(() => cipher.decrypt(stored, { tenantId: 'cust-other', field: 'refresh' })).failure,
    ).toBe('tampered');
    expect(failureOf(() => cipher.decrypt(stored, { tenantId: 'cust-acme', field: 'access' })).failure).toBe(
      'tampered',
    );
  });

  it('refuses malformed ciphers, including non-canonical base64url', () => {
    const cipher = new TokenCipher(ringA);
    const stored = cipher.encrypt(SECRET, refreshOfAcme);
    const parts = stored.split('.');
    for (const bad of [
      '',
      SECRET,
      stored.replace(/^v1\./, 'v2.'),
      parts.slice(0, 4).join('.'),
      [...parts, 'extra'].join('.'),
      [parts[0], parts[1], parts[2]!.slice(1), parts[3], parts[4]].join('.'),
      [parts[0], parts[1], parts[2], parts[3], `${parts[4]}=`].join('.'),
    ]) {
      expect(failureOf(() => cipher.decrypt(bad, refreshOfAcme)).failure).toBe('malformed');
    }
    // 16 bytes take 22 characters with 4 spare bits; a different last character decoding to the same
    // bytes is refused instead of being accepted as "the same tag".
    const tag = parts[3]!;
    const last = tag.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    const nonCanonical = [parts[0], parts[1], parts[2], `${tag.slice(0, -1)}${sibling}`, parts[4]].join('.');
    expect(failureOf(() => cipher.decrypt(nonCanonical, refreshOfAcme)).failure).toBe('malformed');
  });

  it('decrypts ciphers of every key in the ring after rotation, and writes new ones under the active key', () => {
    const underA = new TokenCipher(ringA).encrypt(SECRET, refreshOfAcme);
    const rotated = new TokenCipher(ringAB);
    const underB = rotated.encrypt(SECRET, refreshOfAcme);
    expect(rotated.keyIdOf(underB)).toBe('B');
    expect(rotated.decrypt(underA, refreshOfAcme)).toBe(SECRET);
    expect(rotated.decrypt(underB, refreshOfAcme)).toBe(SECRET);
    expect(rotated.needsReencryption(underA)).toBe(true);
    expect(rotated.needsReencryption(underB)).toBe(false);

    // Once A is retired its ciphers fail loudly, naming the key to put back.
    const retired = new TokenCipher({ activeKeyId: 'B', keys: new Map([['B', keyB]]) });
    expect(retired.decrypt(underB, refreshOfAcme)).toBe(SECRET);
    expect(failureOf(() => retired.decrypt(underA, refreshOfAcme))).toMatchObject({
      failure: 'unknown_key',
      keyId: 'A',
    });
  });

  it('never puts plaintext, key material or the cipher into an error', () => {
    const cipher = new TokenCipher(ringAB);
    const stored = cipher.encrypt(SECRET, refreshOfAcme);
    const errors = [
      failureOf(() => cipher.decrypt(flipBit(stored, 4), refreshOfAcme)),
      failureOf(() => cipher.decrypt(stored, { tenantId: 'cust-other', field: 'refresh' })),
      failureOf(() => cipher.decrypt(stored.replace(/^v1\.B\./, 'v1.Z.'), refreshOfAcme)),
      failureOf(() => cipher.decrypt(`${stored}.x`, refreshOfAcme)),
    ];
    for (const error of errors) {
      const text = `${error.message} ${String(error.stack)} ${JSON.stringify(error)} ${String(error.cause)}`;
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(stored.split('.')[4]!);
      for (const key of [keyA, keyB]) {
        expect(text).not.toContain(key.toString('base64'));
        expect(text).not.toContain(key.toString('hex'));
      }
      expect(error.retryable).toBe(false);
    }
  });

  it('refuses a key ring whose active key is missing or whose keys are not 32 bytes', () => {
    expect(failureOf(() => new TokenCipher({ activeKeyId: 'X', keys: new Map([['A', keyA]]) })).failure).toBe(
      'invalid_key_ring',
    );
    const short = failureOf(
      () => new TokenCipher({ activeKeyId: 'A', keys: new Map([['A', randomBytes(16)]]) }),
    );
    expect(short.failure).toBe('invalid_key_ring');
    expect(short.message).toContain('"A"');
  });
});
