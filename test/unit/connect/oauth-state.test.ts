import { describe, expect, it } from '@jest/globals';
import { createStateSigner, OAuthStateError } from '../../../src/services/connect/oauth-state.js';

const SECRET = 'state-secret-for-tests-0123456789abcdef';
const claims = { nonce: 'n-1', tenantId: 'cust-a', userId: 'user-1' };

async function problemOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof OAuthStateError ? error.problem : `unexpected ${String(error)}`;
  }
}

describe('OAuth state', () => {
  it('round-trips the nonce, tenant and user it was signed with', async () => {
    const signer = createStateSigner(SECRET, () => new Date('2026-12-01T10:00:00Z'));
    await expect(signer.verify(await signer.sign(claims))).resolves.toEqual(claims);
  });

  it('refuses a state signed with another key as forged', async () => {
    const now = () => new Date('2026-12-01T10:00:00Z');
    const other = createStateSigner('another-secret-of-sufficient-length-000000', now);
    const signer = createStateSigner(SECRET, now);
    expect(await problemOf(signer.verify(await other.sign(claims)))).toBe('forged');
  });

  it('refuses a state whose payload was edited (another tenant) as forged', async () => {
    const signer = createStateSigner(SECRET, () => new Date('2026-12-01T10:00:00Z'));
    const [header, payload, signature] = (await signer.sign(claims)).split('.');
    const edited = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    edited.tid = 'cust-b';
    const forged = [header, Buffer.from(JSON.stringify(edited)).toString('base64url'), signature].join('.');
    expect(await problemOf(signer.verify(forged))).toBe('forged');
  });

  it('refuses a state older than ten minutes as expired', async () => {
    let now = new Date('2026-12-01T10:00:00Z');
    const signer = createStateSigner(SECRET, () => now);
    const state = await signer.sign(claims);
    now = new Date('2026-12-01T10:09:00Z');
    await expect(signer.verify(state)).resolves.toEqual(claims);
    now = new Date('2026-12-01T10:10:01Z');
    expect(await problemOf(signer.verify(state))).toBe('expired');
  });

  it('refuses garbage and an API token signed with the same key as malformed', async () => {
    const signer = createStateSigner(SECRET, () => new Date());
    expect(await problemOf(signer.verify('not-a-state'))).toBe('malformed');
    expect(await problemOf(signer.verify('a'.repeat(3000)))).toBe('malformed');
    const { SignJWT } = await import('jose');
    const apiToken = await new SignJWT({ tenants: ['cust-a'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-1')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    expect(await problemOf(signer.verify(apiToken))).toBe('malformed');
  });
});
