/**
 * Issue 15: what a CSV export records of its invoices, for a later connection to link the imported copies.
 * Written in batches, so an export of any size stays within the store's socket timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import { connectDatabase, createIndexes, models } from '../../src/models/index.js';
import { CsvExportedInvoices } from '../../src/services/csv-export/exported-invoices.js';
import type { ExportedInvoice } from '../../src/services/csv-export/quickbooks-csv.js';
import { testConfig, uniqueName } from '../support/harness.js';

const config = testConfig();

const exported = (n: number, route: ExportedInvoice['route'] = 'IMPORT'): ExportedInvoice => ({
  invoiceId: `inv-${n}`,
  docNumber: `INV-${1000 + n}`,
  customerName: `Customer ${n % 7}`,
  issueDate: '2026-11-03',
  subtotal: `${n}.50`,
  total: `${n + 10}.05`,
  lineCount: 1 + (n % 3),
  route,
});

beforeAll(async () => {
  await connectDatabase(config.mongo.uri, config.mongo.dbName);
  await createIndexes();
});

afterAll(async () => {
  await mongoose.disconnect();
});

describe('the record of a CSV export', () => {
  it('records every invoice across batches, once each however often it is exported, for its tenant only', async () => {
    const tenantId = uniqueName('csv-record');
    const records = new CsvExportedInvoices({ models, batch: 25 });
    const invoices = Array.from({ length: 60 }, (_, n) => exported(n));
    await records.record(tenantId, 'export-1', new Date('2026-12-01T10:00:00Z'), invoices);

    const ids = invoices.map((invoice) => invoice.invoiceId);
    const first = await records.findMany(tenantId, ids);
    expect([...first.keys()].sort()).toEqual([...ids].sort());
    expect(first.get('inv-59')).toMatchObject({
      docNumber: 'INV-1059',
      customerName: 'Customer 3',
      txnDate: '2026-11-03',
      subtotalCents: 5950,
      totalCents: 6905,
      lineCount: 3,
      route: 'IMPORT',
    });

    // Exported again (the last 30, one now for manual entry): still one record each, the latest export's.
    const again = [...invoices.slice(30, 59), exported(59, 'MANUAL')];
    await records.record(tenantId, 'export-2', new Date('2026-12-02T10:00:00Z'), again);
    expect(await models.csvExportedInvoices.countDocuments({ tenantId })).toBe(60);
    const byExport = await models.csvExportedInvoices.aggregate<{ _id: string; count: number }>([
      { $match: { tenantId } },
      { $group: { _id: '$exportId', count: { $sum: 1 } } },
      { $sort: { _id: 1 } },
    ]);
    expect(byExport).toEqual([
      { _id: 'export-1', count: 30 },
      { _id: 'export-2', count: 30 },
    ]);
    expect(await records.find(tenantId, 'inv-59')).toMatchObject({ route: 'MANUAL' });

    expect((await records.findMany(uniqueName('other-tenant'), ids)).size).toBe(0);
    expect(await records.find(uniqueName('other-tenant'), 'inv-1')).toBeUndefined();
  });

  it('records nothing for an export without invoices', async () => {
    const tenantId = uniqueName('csv-record-empty');
    await new CsvExportedInvoices({ models }).record(tenantId, 'export-0', new Date(), []);
    expect(await models.csvExportedInvoices.countDocuments({ tenantId })).toBe(0);
  });
});
