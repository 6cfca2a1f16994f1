import { strFromU8, unzipSync } from 'fflate';
import type { HostInvoiceLister, HostInvoiceSource } from '../../src/host/host-invoices.js';
import { models } from '../../src/models/index.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import {
  CsvExportService,
  type CsvExportRequest,
  type CsvExportResult,
} from '../../src/services/csv-export/csv-export-service.js';
import { ExportLinkSigner } from '../../src/services/csv-export/export-links.js';
import { ExportStore } from '../../src/services/csv-export/export-store.js';
import { CsvExportedInvoices } from '../../src/services/csv-export/exported-invoices.js';
import { silentLogger } from './harness.js';

/**
 * A tenant's CSV export as the API makes it (the real service, store and records), downloaded by one of its
 * admins: the answer and the zip's files by name.
 */
export async function exportAndDownload(options: {
  host: HostInvoiceSource & HostInvoiceLister;
  redis: { url: string; prefix: string };
  stateSecret: string;
  tenantId: string;
  request: CsvExportRequest;
}): Promise<{ result: CsvExportResult; files: Record<string, string> }> {
  const redis = createRedis(options.redis.url, 'producer');
  try {
    const service = new CsvExportService({
      models,
      exportedInvoices: new CsvExportedInvoices({ models }),
      host: options.host,
      store: new ExportStore(redis, options.redis.prefix),
      signer: new ExportLinkSigner(options.stateSecret, () => new Date()),
      auditLog: { record: async () => undefined },
      now: () => new Date(),
      logger: silentLogger(),
      linkTtlMs: 60_000,
      downloadBaseUrl: 'http://127.0.0.1/quickbooks/exports',
    });
    const result = await service.export(options.tenantId, 'admin', options.request);
    const zip = await service.download(result.downloadUrl.split('/').pop()!, {
      userId: 'admin',
      tenants: new Set([options.tenantId]),
      adminOf: new Set([options.tenantId]),
    });
    const files = Object.fromEntries(
      Object.entries(unzipSync(new Uint8Array(zip))).map(([name, bytes]) => [name, strFromU8(bytes)]),
    );
    return { result, files };
  } finally {
    await closeRedis(redis);
  }
}
