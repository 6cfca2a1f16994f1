import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { signWebhookBody, verifyWebhookSignature } from '../../../src/services/webhooks/signature.js';

const TOKEN = 'unit-test-verifier-token-0001';
const BODY = Buffer.from(
  '[{"specversion":"1.0","id":"e1","type":"qbo.payment.created.v1","time":"2026-01-01T00:00:00Z","intuitentityid":"7","intuitaccountid":"123"}]',
);

describe('intuit-signature verification', () => {
  it('accepts base64(HMAC-SHA256(verifier token, raw body)), as Intuit signs', () => {
    const signature = createHmac('sha256', TOKEN).update(BODY).digest('base64');
    expect(signWebhookBody(BODY, TOKEN)).toBe(signature);
    expect(verifyWebhookSignature(BODY, signature, TOKEN)).toBe(true);
  });

  it('refuses a signature made with another verifier token', () => {
    expect(verifyWebhookSignature(BODY, signWebhookBody(BODY, 'another-verifier-token'), TOKEN)).toBe(false);
  });

  it('refuses a missing or empty signature', () => {
    expect(verifyWebhookSignature(BODY, undefined, TOKEN)).toBe(false);
    expect(verifyWebhookSignature(BODY, '', TOKEN)).toBe(false);
  });

  it('refuses a signature of the wrong length without throwing', () => {
    const good = Buffer.from(signWebhookBody(BODY, TOKEN), 'base64');
    expect(verifyWebhookSignature(BODY, good.subarray(0, 16).toString('base64'), TOKEN)).toBe(false);
    expect(verifyWebhookSignature(BODY, Buffer.concat([good, good]).toString('base64'), TOKEN)).toBe(false);
    expect(verifyWebhookSignature(BODY, 'not base64 at all!', TOKEN)).toBe(false);
  });

  it('refuses a hex digest of the right HMAC (Intuit sends base64)', () => {
    const hex = createHmac('sha256', TOKEN).update(BODY).digest('hex');
    expect(verifyWebhookSignature(BODY, hex, TOKEN)).toBe(false);
  });

  it('refuses the signature of the same JSON re-serialised: only the raw bytes verify', () => {
    const signature = signWebhookBody(BODY, TOKEN);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 1));
    expect(reserialised.equals(BODY)).toBe(false);
    expect(verifyWebhookSignature(reserialised, signature, TOKEN)).toBe(false);
  });

  it('refuses a body changed by one byte', () => {
    const signature = signWebhookBody(BODY, TOKEN);
    const changed = Buffer.from(BODY.toString().replace('"7"', '"8"'));
    expect(verifyWebhookSignature(changed, signature, TOKEN)).toBe(false);
  });
});
