import type { Redis } from 'ioredis';

/**
 * The zip of an export, kept in Redis until its link expires (Redis drops it then): short-lived by design,
 * so a tenant's invoices do not linger in a second store.
 */
export class ExportStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(exportId: string): string {
    return `${this.prefix}csv-export:${exportId}`;
  }

  async put(exportId: string, tenantId: string, zip: Uint8Array, ttlMs: number): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(exportId), { tenantId, zip: Buffer.from(zip) })
      .pexpire(this.key(exportId), ttlMs)
      .exec();
  }

  /** The zip, or null when it expired or belongs to another tenant. */
  async get(exportId: string, tenantId: string): Promise<Buffer | null> {
    const [owner, zip] = await Promise.all([
      this.redis.hget(this.key(exportId), 'tenantId'),
      this.redis.hgetBuffer(this.key(exportId), 'zip'),
    ]);
    return owner === tenantId && zip ? zip : null;
  }
}
