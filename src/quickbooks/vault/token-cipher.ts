import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { TokenKeyRing } from '../../config.js';

/**
 * The only module that knows what a stored token looks like. A cipher is
 *
 *   v1.<keyId>.<iv>.<tag>.<ciphertext>        (iv, tag, ciphertext: base64url)
 *
 * AES-256-GCM with a fresh 12-byte IV per record (NIST SP 800-38D's recommended IV length; random IVs keep
 * the per-key collision risk negligible at our volume of one write per connection per hour). The key id
 * travels in the cipher so old records keep decrypting while a new key is active (rotation by
 * re-encryption, see key-rotation.ts). The additional authenticated data binds the cipher to its format
 * version, key id, tenant and field, so a cipher copied into another tenant's document, or from the refresh
 * field into the access field, fails authentication instead of handing out someone else's token.
 */
const FORMAT_VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** Which stored token a cipher holds. Part of the AAD: the two fields are not interchangeable. */
export type TokenField = 'access' | 'refresh';

/** Where a cipher belongs. A cipher decrypts only in the context it was made for. */
export interface CipherContext {
  tenantId: string;
  field: TokenField;
}

export type TokenCipherFailure =
  /** Not a cipher this module writes (truncated, wrong version, bad encoding). */
  | 'malformed'
  /** The key id is not in QUICKBOOKS_TOKEN_KEYS: retired too early, or a cipher from another deployment. */
  | 'unknown_key'
  /** GCM authentication failed: the cipher, its key id or its placement was altered, or the key is wrong. */
  | 'tampered'
  /** The key ring itself is unusable. */
  | 'invalid_key_ring';

/**
 * A cipher that cannot be trusted. Loud on purpose: it is never retryable, and callers must not treat it
 * as "no token". Messages name the tenant, field and key id (none secret), never plaintext, key or cipher.
 */
export class TokenCipherError extends Error {
  override readonly name = 'TokenCipherError';
  readonly retryable = false;

  constructor(
    readonly failure: TokenCipherFailure,
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
  }
}

interface ParsedCipher {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export class TokenCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  readonly activeKeyId: string;

  constructor(keyRing: TokenKeyRing) {
    // Config validates the same at start-up; checked again because a cipher built from a hand-made ring
    // (a script, a test) would otherwise fail only on first use.
    for (const [keyId, key] of keyRing.keys) {
      if (!KEY_ID.test(keyId) || key.length !== KEY_BYTES) {
        throw new TokenCipherError(
          'invalid_key_ring',
          `token key "${KEY_ID.test(keyId) ? keyId : '?'}" must have an id of letters, digits, _ or - and be ${KEY_BYTES} bytes`,
        );
      }
    }
    if (!keyRing.keys.has(keyRing.activeKeyId)) {
      throw new TokenCipherError(
        'invalid_key_ring',
        `active token key "${keyRing.activeKeyId}" is not in the key ring`,
      );
    }
    this.keys = new Map(keyRing.keys);
    this.activeKeyId = keyRing.activeKeyId;
  }

  encrypt(plaintext: string, context: CipherContext): string {
    const keyId = this.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(keyId, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT_VERSION, keyId, b64(iv), b64(cipher.getAuthTag()), b64(ciphertext)].join('.');
  }

  decrypt(stored: string, context: CipherContext): string {
    const parsed = parse(stored, context);
    const key = this.keys.get(parsed.keyId);
    if (!key) {
      throw new TokenCipherError(
        'unknown_key',
        `${describe(context)} is encrypted with key "${parsed.keyId}", which is not in QUICKBOOKS_TOKEN_KEYS`,
        parsed.keyId,
      );
    }
    const decipher = createDecipheriv(ALGORITHM, key, parsed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(parsed.keyId, context));
    decipher.setAuthTag(parsed.tag);
    try {
      return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // node:crypto's message ("Unsupported state or unable to authenticate data") says nothing useful;
      // the cause is dropped so no buffer of the cipher travels with the error.
      throw new TokenCipherError(
        'tampered',
        `${describe(context)} failed authentication under key "${parsed.keyId}": the stored cipher was altered, moved from another tenant or field, or the key material for "${parsed.keyId}" changed`,
        parsed.keyId,
      );
    }
  }

  /** The key a cipher was made with (to count what a rotation has left). */
  keyIdOf(stored: string): string {
    return parse(stored).keyId;
  }

  /** True when the cipher is under a key other than the active one: key rotation re-encrypts it. */
  needsReencryption(stored: string): boolean {
    return this.keyIdOf(stored) !== this.activeKeyId;
  }
}

function additionalData(keyId: string, context: CipherContext): Buffer {
  return Buffer.from(`${FORMAT_VERSION}|${keyId}|${context.tenantId}|${context.field}`, 'utf8');
}

function parse(stored: string, context?: CipherContext): ParsedCipher {
  const parts = stored.split('.');
  const [version, keyId, iv, tag, ciphertext] = parts;
  const malformed = (what: string) =>
    new TokenCipherError(
      'malformed',
      `${context ? describe(context) : 'token cipher'} is malformed: ${what}`,
    );
  if (parts.length !== 5 || version !== FORMAT_VERSION)
    throw malformed(`expected the ${FORMAT_VERSION} format`);
  if (!keyId || !KEY_ID.test(keyId)) throw malformed('bad key id');
  const decode = (part: string | undefined): Buffer => {
    const bytes = part !== undefined && BASE64URL.test(part) ? Buffer.from(part, 'base64url') : undefined;
    // Only the canonical encoding: the spare low bits of a base64 character could otherwise be flipped
    // without changing the bytes, and "tampered but still valid" would be a confusing outcome to explain.
    if (!bytes || b64(bytes) !== part) throw malformed('bad encoding');
    return bytes;
  };
  const decoded = { keyId, iv: decode(iv), tag: decode(tag), ciphertext: decode(ciphertext) };
  if (decoded.iv.length !== IV_BYTES) throw malformed(`IV must be ${IV_BYTES} bytes`);
  if (decoded.tag.length !== TAG_BYTES) throw malformed(`tag must be ${TAG_BYTES} bytes`);
  return decoded;
}

function describe(context: CipherContext): string {
  return `the ${context.field} token cipher of tenant "${context.tenantId}"`;
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64url');
}
