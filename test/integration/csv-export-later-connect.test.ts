/**
 * Connecting after a CSV export (issue 15): the tenant imported the export's files into its QuickBooks
 * company (the emulator's import wizard), then the sync pushes the same invoices. Each imported copy is
 * linked (updated to the push's payload, its QuickBooks number kept), never created a second time: by a
 * single push under every existing-number setting, and by a backfill. Real store, Redis, emulator and host.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { createGraphQLHostInvoiceSource } from '../../src/host/graphql-host-invoices.js';
import { models } from '../../src/models/index.js';
import type { ExistingInvoiceNumberAction } from '../../src/models/customer.js';
import { BACKFILL_SINCE, useBackfillRig } from '../support/backfill-rig.js';
import { exportAndDownload } from '../support/csv-export.js';
import { eventually } from '../support/harness.js';
import type { PushCompany, PushRig } from '../support/push-rig.js';

jest.setTimeout(240_000);

const backfill = useBackfillRig();
const push = () => backfill().push;

/** The export as the API runs it, for the company's tenant; answers the zip's files by name. */
async function exportFiles(rig: PushRig, company: PushCompany): Promise<Record<string, string>> {
  const { files } = await exportAndDownload({
    host: createGraphQLHostInvoiceSource({ url: rig.host.url, credentials: rig.rig.config.host.credentials }),
    redis: { url: rig.rig.config.redis.url, prefix: rig.rig.config.redis.prefix },
    stateSecret: rig.rig.config.quickbooks.stateSecret,
    tenantId: company.tenant,
    request: {
      from: '2026-11-01',
      to: '2026-11-30',
      dateFormat: 'MM_DD_YYYY',
      taxMode: 'EXCLUSIVE',
      usCompany: true,
    },
  });
  return files;
}

/** What the admin does in QuickBooks: the wizard takes the customers, then the invoices. */
function importFiles(rig: PushRig, company: PushCompany, files: Record<string, string>, only?: string[]) {
  const control = rig.rig.sandbox.control;
  const customers = control.importCsv(company.realmId, {
    kind: 'customers',
    csv: files['customers-01.csv']!,
  });
  // A customer the tenant already has (a second import of the same file) is refused as a duplicate name.
  expect(customers.errors.every((error) => /exists|duplicate/iu.test(error.message))).toBe(true);
  let csv = files['invoices-01.csv']!;
  if (only) {
    const [header, ...rows] = csv.trimEnd().split('\n');
    csv = [header, ...rows.filter((row) => only.some((number) => row.startsWith(number)))].join('\n');
  }
  const invoices = control.importCsv(company.realmId, {
    kind: 'invoices',
    csv,
    dateFormat: 'MM_DD_YYYY',
    taxMode: 'EXCLUSIVE',
  });
  expect(invoices.errors).toEqual([]);
  return invoices.created;
}

async function setExistingNumber(company: PushCompany, action: ExistingInvoiceNumberAction) {
  await models.customers.updateOne(
    { _id: company.tenant },
    { $set: { 'integrations.quickbooks.settings.existingInvoiceNumber': action } },
  );
}

describe('a connection after a CSV export', () => {
  it.each(['SUFFIX', 'STOP', 'LINK'] as const)(
    'a single push links the imported copy by its number (existing-number setting %s)',
    async (action) => {
      const rig = push();
      const company = await rig.company({ customNumbers: true });
      await setExistingNumber(company, action);
      const [imported, notImported] = [rig.hostInvoice(company), rig.hostInvoice(company)];
      const files = await exportFiles(rig, company);
      const created = importFiles(rig, company, files, [imported.number]);
      expect(created).toHaveLength(1);
      const before = rig.invoicesIn(company).length;

      const linked = await rig.push(company, imported.id);
      expect(linked).toMatchObject({
        outcome: 'SYNCED',
        operation: 'LINKED',
        quickbooksInvoiceId: created[0]!.id,
        docNumber: imported.number,
      });
      // The copy now carries the push's marker and the platform's tax; no second invoice was made.
      expect(rig.copiesOf(company, imported.id).map((row) => row.Id)).toEqual([created[0]!.id]);
      expect(rig.invoicesIn(company)).toHaveLength(before);
      const status = await rig.status(company, imported.id);
      expect(status.state).toBe('SYNCED');

      // Exported but never imported: an ordinary create.
      expect(await rig.push(company, notImported.id)).toMatchObject({
        outcome: 'SYNCED',
        operation: 'CREATED',
      });
      expect(rig.invoicesIn(company)).toHaveLength(before + 1);
    },
  );

  it('a number some other customer holds is not taken for the imported copy', async () => {
    const rig = push();
    const company = await rig.company({ customNumbers: true });
    await setExistingNumber(company, 'STOP');
    const invoice = rig.hostInvoice(company);
    const files = await exportFiles(rig, company);
    // The tenant never imported its copy; an invoice with the same number exists for another customer.
    const otherFiles = {
      'customers-01.csv': 'Name,Email\nSomebody Else,else@example.com\n',
      'invoices-01.csv': files['invoices-01.csv']!.replaceAll(invoice.billTo!.name, 'Somebody Else'),
    };
    expect(importFiles(rig, company, otherFiles)).toHaveLength(1);
    const answer = await rig.push(company, invoice.id);
    expect(answer).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'DOC_NUMBER_EXISTS' } });
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(0);
  });

  it('QuickBooks numbered the import itself: the copy is found by customer, date and total', async () => {
    const rig = push();
    const company = await rig.company({ customNumbers: false });
    const [once, twice] = [rig.hostInvoice(company), rig.hostInvoice(company)];
    const files = await exportFiles(rig, company);
    const created = importFiles(rig, company, files);
    expect(created).toHaveLength(2);
    expect(created.map((entry) => entry.name)).not.toContain(once.number);

    const linked = await rig.push(company, once.id);
    const copy = created.find(
      (entry) => entry.id === (linked as { quickbooksInvoiceId?: string }).quickbooksInvoiceId,
    );
    expect(linked).toMatchObject({ outcome: 'SYNCED', operation: 'LINKED' });
    expect(copy).toBeDefined();
    expect(rig.invoicesIn(company)).toHaveLength(2);

    // The file imported a second time: two copies of `twice` that nothing tells apart. Nothing is sent.
    importFiles(rig, company, files, [twice.number]);
    const refused = await rig.push(company, twice.id);
    expect(refused).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'CSV_COPY_AMBIGUOUS' } });
    expect(rig.invoicesIn(company)).toHaveLength(3);
    expect(rig.copiesOf(company, twice.id)).toHaveLength(0);
  });

  it('a backfill links the imported copies and creates only the others', async () => {
    const { runner, backfills, start, startWorker } = backfill();
    const rig = push();
    const company = await rig.company({ customNumbers: true });
    const invoices = backfill().hostInvoices(company, 6);
    const files = await exportFiles(rig, company);
    const importedNumbers = invoices.slice(0, 4).map((invoice) => invoice.number);
    const created = importFiles(rig, company, files, importedNumbers);
    expect(created).toHaveLength(4);
    expect(new Date(`${invoices[0]!.issueDate}T00:00:00Z`).getTime()).toBeGreaterThanOrEqual(
      Date.parse(BACKFILL_SINCE),
    );

    startWorker(runner);
    await start(company);
    const done = await eventually(async () => {
      const current = await backfills.current(company.tenant);
      return current?.state === 'COMPLETED' ? current : undefined;
    }, 120_000);
    const statuses = await Promise.all(invoices.map((invoice) => rig.status(company, invoice.id)));
    expect(
      statuses.map((status) => [status.state, status.lastError?.code, status.lastError?.message]),
    ).toEqual(invoices.map(() => ['SYNCED', undefined]));
    expect(done).toMatchObject({ total: 6, done: 6, failed: 0 });
    expect(rig.invoicesIn(company)).toHaveLength(6);
    for (const invoice of invoices) expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
    const importedIds = new Set(created.map((entry) => entry.id));
    for (const invoice of invoices.slice(0, 4)) {
      expect(importedIds.has(rig.copiesOf(company, invoice.id)[0]!.Id)).toBe(true);
    }
  });
});
