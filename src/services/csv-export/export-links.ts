import { createHmac } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * Download links for a CSV export: a JWS (jose, HS256) naming the export and its tenant, expiring with the
 * zip, signed with a key derived from the service's state secret for this purpose only. A link proves
 * nothing about the caller: the download route still asks for the caller's token and checks the tenant
 * (tenant isolation), so a link that leaks is useless to anyone outside the tenant.
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

const AUDIENCE = 'quickbooks-csv-export';

export class ExportLinkSigner {
  private readonly key: Uint8Array;

  constructor(
    stateSecret: string,
    private readonly now: () => Date,
  ) {
    this.key = createHmac('sha256', stateSecret).update('quickbooks-csv-export-links').digest();
  }

  sign(link: ExportLink): Promise<string> {
    return new SignJWT({ tenant: link.tenantId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(link.exportId)
      .setAudience(AUDIENCE)
      .setIssuedAt(this.now())
      .setExpirationTime(link.expiresAt)
      .sign(this.key);
  }

  async verify(token: string): Promise<ExportLink> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        currentDate: this.now(),
        requiredClaims: ['sub', 'exp'],
      });
      if (typeof payload.tenant !== 'string') throw invalid();
      return { exportId: payload.sub!, tenantId: payload.tenant, expiresAt: new Date(payload.exp! * 1000) };
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw new ExportLinkError('EXPIRED', 'This download link has expired: export the files again');
      if (error instanceof ExportLinkError) throw error;
      throw invalid();
    }
  }
}

const invalid = () => new ExportLinkError('INVALID', 'This is not a download link of ours');
