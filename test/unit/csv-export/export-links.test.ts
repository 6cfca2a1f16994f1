import { describe, expect, it } from '@jest/globals';
import { ExportLinkError, ExportLinkSigner } from '../../../src/services/csv-export/export-links.js';

const SECRET = 'a-state-secret-of-at-least-thirty-two-characters';

describe('ExportLinkSigner', () => {
  const at = new Date('2026-12-02T10:00:00Z');
  const link = { exportId: 'exp-1', tenantId: 'cust-a', expiresAt: new Date('2026-12-02T10:15:00Z') };

  it('reads back what it signed until the link expires, then says it expired', async () => {
    let now = at;
    const signer = new ExportLinkSigner(SECRET, () => now);
    const token = await signer.sign(link);
    await expect(signer.verify(token)).resolves.toEqual(link);
    now = new Date('2026-12-02T10:15:01Z');
    await expect(signer.verify(token)).rejects.toMatchObject({ reason: 'EXPIRED' });
  });

  it('refuses a tampered link and one signed with another secret as not ours', async () => {
    const signer = new ExportLinkSigner(SECRET, () => at);
    const token = await signer.sign(link);
    const [header, payload, signature] = token.split('.');
    const otherTenant = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), tenant: 'cust-b' }),
    ).toString('base64url');
    for (const forged of [
      `${header}.${otherTenant}.${signature}`,
      await new ExportLinkSigner(`${SECRET}-other`, () => at).sign(link),
      'not-a-token',
    ]) {
      const error = await signer.verify(forged).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ExportLinkError);
      expect((error as ExportLinkError).reason).toBe('INVALID');
    }
  });
});
