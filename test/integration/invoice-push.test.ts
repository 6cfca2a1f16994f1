/**
 * The invoice push against the emulator over HTTP, the demo host subgraph over GraphQL, real Redis and the
 * MongoDB-compatible store: what lands in QuickBooks, what the sync state and the sync log say.
 */
import { describe, expect, it } from '@jest/globals';
import { Big } from 'big.js';
import { models } from '../../src/models/index.js';
import { hostTotals, STANDARD_LINES, usePushRig } from '../support/push-rig.js';

const push = usePushRig();

interface StoredInvoice {
  Id: string;
  SyncToken: string;
  DocNumber?: string;
  TotalAmt: number;
  PrivateNote?: string;
  CustomerRef: { value: string };
  TxnTaxDetail?: { TotalTax?: number };
  Line: { DetailType: string; Amount: number; Description?: string }[];
}

const money = (value: number | undefined) => new Big(value ?? 0).toFixed(2);

describe('the push of a finalized invoice', () => {
  it('lands once in QuickBooks with its customer, lines, amounts and tax; the invoice reads SYNCED', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);

    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });

    const copies = rig.copiesOf(company, invoice.id) as unknown as StoredInvoice[];
    expect(copies).toHaveLength(1);
    const stored = copies[0]!;
    const totals = hostTotals(STANDARD_LINES);
    expect(money(stored.TotalAmt)).toBe(totals.total);
    expect(money(stored.TxnTaxDetail?.TotalTax)).toBe(totals.tax);
    const sales = stored.Line.filter((line) => line.DetailType === 'SalesItemLineDetail');
    expect(sales.map((line) => line.Description)).toEqual(['Labor', 'Soil', 'Trip charge']);
    expect(sales.map((line) => money(line.Amount))).toEqual(['286.50', '49.40', '25.00']);
    const customer = rig.rig.sandbox.control.getEntity(company.realmId, 'Customer', stored.CustomerRef.value);
    expect(customer?.DisplayName).toBe(invoice.billTo!.name);

    const status = await rig.status(company, invoice.id);
    expect(status).toMatchObject({ state: 'SYNCED', quickbooksInvoiceId: stored.Id, attempts: 1 });
    expect(status.lastError).toBeUndefined();
    const record = await rig.pushRecord(company, invoice.id);
    expect(record.pendingCreate).toBeUndefined();
    expect(record.quickbooksSyncToken).toBe(stored.SyncToken);

    const log = await models.syncLogs.find({ tenantId: company.tenant }).lean();
    const pushEntry = log.find((entry) => entry.operation === 'INVOICE_PUSH');
    expect(pushEntry).toMatchObject({
      outcome: 'SUCCEEDED',
      entityId: invoice.id,
      quickbooksId: stored.Id,
      trigger: 'NOTIFIED',
      realmId: company.realmId,
    });
    expect(pushEntry?.requestId).toMatch(/^inv-/);
    expect(pushEntry?.intuitTid).toBeTruthy();
    expect(typeof pushEntry?.durationMs).toBe('number');
    expect(log.find((entry) => entry.operation === 'QUICKBOOKS_CUSTOMER_UPSERT')).toMatchObject({
      outcome: 'SUCCEEDED',
      quickbooksId: stored.CustomerRef.value,
    });
  });

  it('an edit of a synced invoice is a sparse update with the stored SyncToken: same invoice, new SyncToken', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);
    await rig.push(company, invoice.id);
    const [first] = rig.copiesOf(company, invoice.id);

    rig.changeInvoice(invoice, {
      lines: invoice.lines.map((line, index) => (index === 0 ? { ...line, quantity: '4' } : line)),
    });
    const mark = rig.rig.mark();
    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({ outcome: 'SYNCED', operation: 'UPDATED', quickbooksInvoiceId: first!.Id });

    const copies = rig.copiesOf(company, invoice.id) as unknown as StoredInvoice[];
    expect(copies).toHaveLength(1);
    expect(Number(copies[0]!.SyncToken)).toBeGreaterThan(Number(first!.SyncToken));
    expect(money(copies[0]!.Line[0]!.Amount)).toBe('382.00');
    // One write, and the same invoice: an update, not a second create.
    const writes = rig.requestsSince(mark, company.realmId).filter((r) => r.method === 'POST');
    expect(writes).toHaveLength(1);
    expect(copies[0]!.Id).toBe(first!.Id);
    expect((await rig.status(company, invoice.id)).state).toBe('SYNCED');
  });

  it('a stale SyncToken (edited in QuickBooks meanwhile) is re-read and the update applied once more', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);
    await rig.push(company, invoice.id);
    const [first] = rig.copiesOf(company, invoice.id);
    // Someone edits the invoice in QuickBooks: its SyncToken moves past the one we hold.
    await company.client.sparseUpdate(
      'Invoice',
      { Id: first!.Id, SyncToken: first!.SyncToken, CustomerMemo: { value: 'edited in QuickBooks' } },
      { requestId: `edit-${invoice.id}` },
    );

    rig.changeInvoice(invoice, { memo: 'Edited in the platform' });
    const mark = rig.rig.mark();
    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({ outcome: 'SYNCED', operation: 'UPDATED' });
    const writes = rig.requestsSince(mark, company.realmId).filter((r) => r.method === 'POST');
    expect(writes.map((r) => r.status)).toEqual([400, 200]);
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
    const [stored] = rig.copiesOf(company, invoice.id);
    expect((stored as { CustomerMemo?: { value: string } }).CustomerMemo?.value).toBe(
      'Edited in the platform',
    );
  });

  it('a void in the host voids the QuickBooks invoice', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);
    await rig.push(company, invoice.id);
    rig.changeInvoice(invoice, { status: 'VOID', voidReason: 'cancelled' });

    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({ outcome: 'SYNCED', operation: 'VOIDED' });
    const copies = rig.copiesOf(company, invoice.id) as unknown as StoredInvoice[];
    expect(copies).toHaveLength(1);
    expect(copies[0]!.TotalAmt).toBe(0);
    expect(copies[0]!.PrivateNote).toMatch(/^Voided/);
    expect((await rig.status(company, invoice.id)).state).toBe('SYNCED');
  });

  it('a void of an invoice QuickBooks never received sends nothing and leaves it NOT_SYNCED', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company, { status: 'VOID' });
    const mark = rig.rig.mark();
    expect(await rig.push(company, invoice.id)).toEqual({ outcome: 'NOT_IN_QUICKBOOKS' });
    expect(rig.requestsSince(mark, company.realmId).filter((r) => r.method === 'POST')).toEqual([]);
    expect((await rig.status(company, invoice.id)).state).toBe('NOT_SYNCED');
  });

  it('a missing mapping stops the push with ACTION_REQUIRED naming the key, before any QuickBooks write', async () => {
    const rig = push();
    const company = await rig.company({ map: false });
    await rig.mapStandard(company, ['ITEM_KIND:FEE']);
    const invoice = rig.hostInvoice(company);
    const mark = rig.rig.mark();

    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'MAPPING_MISSING' } });
    const status = await rig.status(company, invoice.id);
    expect(status.state).toBe('ACTION_REQUIRED');
    expect(status.lastError?.message).toContain('ITEM_KIND:FEE');
    expect(status.lastError?.retryable).toBe(false);
    expect(rig.requestsSince(mark, company.realmId).filter((r) => r.method === 'POST')).toEqual([]);
    expect(rig.invoicesIn(company)).toHaveLength(0);
  });

  it('a draft is not pushed: ACTION_REQUIRED asking to finalize it', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company, { status: 'DRAFT', finalizedAt: null });
    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'INVOICE_NOT_FINALIZED' } });
    expect(rig.invoicesIn(company)).toHaveLength(0);
  });

  it('closed books (BookCloseDate in the company) give ACTION_REQUIRED with a clear message', async () => {
    const rig = push();
    const company = await rig.company({ map: false });
    // Closed before the company is first read: the snapshot carries the date, and nothing is sent.
    rig.rig.sandbox.control.setCompanyPreferences(company.realmId, { bookCloseDate: '2026-11-30' });
    await rig.mapStandard(company);
    const invoice = rig.hostInvoice(company);
    const mark = rig.rig.mark();
    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'BOOKS_CLOSED' } });
    const status = await rig.status(company, invoice.id);
    expect(status.lastError?.message).toMatch(/books closed.*2026-11-30/);
    expect(rig.requestsSince(mark, company.realmId).filter((r) => r.method === 'POST')).toEqual([]);
    expect(rig.invoicesIn(company)).toHaveLength(0);
  });

  it('books closed after the company was read (QuickBooks answers 6210) give the same ACTION_REQUIRED', async () => {
    const rig = push();
    const company = await rig.company();
    const warmup = rig.hostInvoice(company, { issueDate: '2026-12-05' });
    await rig.push(company, warmup.id);
    // The reference snapshot is cached now; the closing date only shows in QuickBooks's answer.
    rig.rig.sandbox.control.setCompanyPreferences(company.realmId, { bookCloseDate: '2026-11-30' });
    const invoice = rig.hostInvoice(company, { billTo: warmup.billTo });
    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'BOOKS_CLOSED' } });
    const status = await rig.status(company, invoice.id);
    expect(status).toMatchObject({ state: 'ACTION_REQUIRED' });
    expect(status.lastError?.intuitTid).toBeTruthy();
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(0);
  });
});
