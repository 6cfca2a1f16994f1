import { createHmac, timingSafeEqual } from 'node:crypto';

/** base64(HMAC-SHA256(key = verifier token, message = the raw body bytes)), as Intuit signs (§7.4). */
export function signWebhookBody(rawBody: Buffer | string, verifierToken: string): string {
  return createHmac('sha256', verifierToken).update(rawBody).digest('base64');
}

/**
 * Whether `intuit-signature` signs exactly these bytes. Checked on the raw body before any JSON parsing: a
 * re-serialised body (other spacing, key order, escapes) is a different message and does not verify.
 * The header is decoded from base64 and compared as 32 bytes in constant time; anything that does not
 * decode to 32 bytes is refused before the compare (timingSafeEqual needs equal lengths, and a length
 * says nothing about the key).
 */
export function verifyWebhookSignature(
  rawBody: Buffer,
  signature: string | undefined,
  verifierToken: string,
): boolean {
  if (!signature || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature.trim())) return false;
  const given = Buffer.from(signature.trim(), 'base64');
  const expected = createHmac('sha256', verifierToken).update(rawBody).digest();
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}
