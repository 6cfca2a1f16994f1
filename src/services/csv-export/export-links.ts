import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Download links for a CSV export: `<payload>.<signature>`, the payload naming the export, its tenant and
 * when the link stops working, signed with a key derived from the service's state secret for this purpose
 * only. A link proves nothing about the caller: the download route still asks for the caller's token and
 * checks the tenant (tenant isolation), so a link that leaks is useless to anyone outside the tenant.
 */

export class ExportLinkError extends Error {
  override readonly name = 'ExportLinkError';
  readonly retryable = false;
  constructor(
    readonly reason: 'INVALID' | 'EXPIRED',
    message: string,
  ) {
    super(message);
  }
}

export interface ExportLink {
  exportId: string;
  tenantId: string;
  expiresAt: Date;
}

export class ExportLinkSigner {
  private readonly key: Buffer;

  constructor(
    stateSecret: string,
    private readonly now: () => Date,
  ) {
    this.key = createHmac('sha256', stateSecret).update('quickbooks-csv-export-links').digest();
  }

  sign(link: ExportLink): string {
    const payload = Buffer.from(
      JSON.stringify({ e: link.exportId, t: link.tenantId, x: link.expiresAt.getTime() }),
    ).toString('base64url');
    return `${payload}.${this.signature(payload).toString('base64url')}`;
  }

  verify(token: string): ExportLink {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) throw invalid();
    const expected = this.signature(payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let fields: { e?: unknown; t?: unknown; x?: unknown };
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof fields;
    } catch {
      throw invalid();
    }
    if (typeof fields.e !== 'string' || typeof fields.t !== 'string' || typeof fields.x !== 'number')
      throw invalid();
    if (fields.x <= this.now().getTime())
      throw new ExportLinkError('EXPIRED', 'This download link has expired: export the files again');
    return { exportId: fields.e, tenantId: fields.t, expiresAt: new Date(fields.x) };
  }

  private signature(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }
}

const invalid = () => new ExportLinkError('INVALID', 'This is not a download link of ours');
