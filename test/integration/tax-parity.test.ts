/**
 * The tax-parity guard (issue 14) through the real push against the emulator: QuickBooks' tax is compared
 * with the platform's on the write's own answer, and the tenant's tax setting decides what happens when
 * they differ (OVERRIDE sends ours, ACCEPT records SYNCED_WITH_DIFFERENCES, STOP holds the invoice).
 * The emulator's automated sales tax replaces our code and computes its own tax from its table.
 */
import { describe, expect, it } from '@jest/globals';
import type { TaxDifferencePolicy } from '../../src/models/customer.js';
import { models } from '../../src/models/index.js';
import { createGraphQLHostInvoiceSource } from '../../src/host/graphql-host-invoices.js';
import { composeInvoicePush } from '../../src/services/invoice-push/index.js';
import { QuickBooksSettingsService } from '../../src/services/quickbooks-settings.js';
import { ReconciliationService } from '../../src/services/reconciliation/reconciliation-service.js';
import { silentLogger } from '../support/harness.js';
import { adminOf } from '../support/connect-rig.js';
import { usePushRig, type PushCompany } from '../support/push-rig.js';

const push = usePushRig();

const settings = () =>
  new QuickBooksSettingsService({
    models,
    terms: { findActive: async () => undefined },
    auditLog: { record: async () => undefined },
  });

/**
 * A US company with the given tax preferences set before anything reads it, the standard mappings (Labor →
 * Hours, not taxable in QuickBooks; Soil → Soil, taxable; the 8.25 % San Pablo code) and a tax setting.
 */
async function company(
  preferences: { automatedSalesTax?: boolean; partnerTaxEnabled?: boolean | null; usingSalesTax?: boolean },
  policy?: TaxDifferencePolicy,
): Promise<PushCompany> {
  const rig = push();
  const target = await rig.company({ map: false });
  rig.rig.sandbox.control.setCompanyPreferences(target.realmId, preferences);
  // An automated sales tax company maps no tax rates: QuickBooks picks the code (the mapping API refuses one).
  await rig.mapStandard(target, preferences.automatedSalesTax ? ['TAX_RATE:0.0825'] : []);
  if (policy) await settings().update(target.tenant, 'admin', { taxDifferences: policy });
  return target;
}

interface StoredInvoice {
  Id: string;
  TotalAmt: number;
  TxnTaxDetail?: { TotalTax?: number; TxnTaxCodeRef?: { value: string } };
}

const stored = (target: PushCompany, id: string) =>
  push().rig.sandbox.control.getEntity(target.realmId, 'Invoice', id) as unknown as StoredInvoice;

// The standard lines: Labor 286.50 and Soil 49.40 at 8.25 % (23.64 + 4.08), a 25.00 trip charge untaxed.
const PLATFORM_TAX_CENTS = 2772;

describe('the tax-parity guard on a push', () => {
  it("OVERRIDE (the default) under automated sales tax: the platform's tax is sent and kept, SYNCED", async () => {
    const target = await company({ automatedSalesTax: true });
    const invoice = push().hostInvoice(target);
    const result = await push().push(target, invoice.id);
    expect(result).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
    expect(result).not.toHaveProperty('taxDifference');
    const status = await push().status(target, invoice.id);
    expect(status.state).toBe('SYNCED');
    expect(status.taxDifference).toBeUndefined();
    const copy = stored(target, status.quickbooksInvoiceId!);
    expect(Math.round(copy.TxnTaxDetail!.TotalTax! * 100)).toBe(PLATFORM_TAX_CENTS);
    // Automated sales tax put its own code in place of the placeholder.
    expect(copy.TxnTaxDetail?.TxnTaxCodeRef?.value).not.toBe('TAX');
  });

  it("ACCEPT: QuickBooks' own tax is kept and shown as SYNCED_WITH_DIFFERENCES, read off the create's answer", async () => {
    const target = await company({ automatedSalesTax: true }, 'ACCEPT');
    const invoice = push().hostInvoice(target);
    const mark = push().rig.mark();
    const result = await push().push(target, invoice.id);
    expect(result.outcome).toBe('SYNCED');
    const status = await push().status(target, invoice.id);
    const copy = stored(target, status.quickbooksInvoiceId!);
    const theirs = Math.round(copy.TxnTaxDetail!.TotalTax! * 100);
    // Only Soil is taxable in QuickBooks, at the company's address: AST charges far less than we billed.
    expect(theirs).toBeLessThan(PLATFORM_TAX_CENTS);
    expect(status).toMatchObject({
      state: 'SYNCED_WITH_DIFFERENCES',
      taxDifference: {
        class: 'TAX_RECOMPUTED',
        oursCents: PLATFORM_TAX_CENTS,
        theirsCents: theirs,
        policy: 'ACCEPT',
        platformTaxLines: [{ ratePercent: '8.25', netCents: 33590, taxCents: PLATFORM_TAX_CENTS }],
        quickbooksTaxLines: [expect.objectContaining({ taxCents: theirs, netCents: 4940 })],
      },
    });
    expect(status.taxDifference!.explanation).toContain('automated sales tax');
    // Compared on the write's answer: no read of the invoice after the create.
    const invoiceRequests = push()
      .requestsSince(mark, target.realmId)
      .filter(
        (entry) =>
          entry.entity === 'invoice' || (entry.operation === 'query' && /from invoice/iu.test(entry.query)),
      );
    expect(invoiceRequests.map((entry) => entry.method)).toEqual(['POST']);
  });

  it('STOP: ACTION_REQUIRED with the invoice QuickBooks holds recorded; OVERRIDE and a retry update that very invoice', async () => {
    const target = await company({ automatedSalesTax: true }, 'STOP');
    const invoice = push().hostInvoice(target);
    const held = await push().push(target, invoice.id);
    expect(held).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'QUICKBOOKS_TAX_DIFFERENCE' } });
    const status = await push().status(target, invoice.id);
    expect(status).toMatchObject({
      state: 'ACTION_REQUIRED',
      quickbooksInvoiceId: expect.any(String),
      lastError: { code: 'QUICKBOOKS_TAX_DIFFERENCE', retryable: false },
      taxDifference: { class: 'TAX_RECOMPUTED', oursCents: PLATFORM_TAX_CENTS, policy: 'STOP' },
    });
    expect(status.lastError!.message).toContain('27.72');
    const record = await push().pushRecord(target, invoice.id);
    expect(record.pendingCreate).toBeUndefined();

    await settings().update(target.tenant, 'admin', { taxDifferences: 'OVERRIDE' });
    await push().syncStatus.transition(
      { tenantId: target.tenant, invoiceId: invoice.id },
      'RETRY_REQUESTED',
      {},
    );
    const retried = await push().push(target, invoice.id, { enqueue: false });
    expect(retried).toMatchObject({ outcome: 'SYNCED', operation: 'UPDATED' });
    expect(push().copiesOf(target, invoice.id)).toHaveLength(1);
    const after = await push().status(target, invoice.id);
    expect(after.state).toBe('SYNCED');
    expect(after.taxDifference).toBeUndefined();
    expect(Math.round(stored(target, after.quickbooksInvoiceId!).TxnTaxDetail!.TotalTax! * 100)).toBe(
      PLATFORM_TAX_CENTS,
    );
  });

  it("STOP, then an admin accepts QuickBooks' tax: SYNCED_WITH_DIFFERENCES, audited, nothing pushed", async () => {
    const target = await company({ automatedSalesTax: true }, 'STOP');
    const invoice = push().hostInvoice(target);
    await push().push(target, invoice.id);
    const mark = push().rig.mark();
    const response = await push().rig.graphql<{ dismissQuickBooksSyncError: { state: string } }>(
      adminOf(target.tenant),
      `mutation ($customerId: ID!, $invoiceId: ID!, $reason: String!) {
        dismissQuickBooksSyncError(customerId: $customerId, invoiceId: $invoiceId, reason: $reason) { state }
      }`,
      { customerId: target.tenant, invoiceId: invoice.id, reason: 'QuickBooks knows the local rate' },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.dismissQuickBooksSyncError.state).toBe('SYNCED_WITH_DIFFERENCES');
    const status = await push().status(target, invoice.id);
    expect(status.lastError).toBeUndefined();
    expect(status.taxDifference?.policy).toBe('STOP');
    const audit = await models.auditLogs
      .findOne({ tenantId: target.tenant, action: 'QUICKBOOKS_TAX_DIFFERENCE_ACCEPTED' })
      .lean();
    expect(audit?.reason).toContain('QuickBooks knows the local rate');
    expect(audit?.reason).toContain('27.72');
    expect(push().requestsSince(mark, target.realmId)).toEqual([]);
  });

  it('OVERRIDE that QuickBooks cannot keep (automated sales tax on, nothing set up): SYNCED_WITH_DIFFERENCES saying why', async () => {
    // PartnerTaxEnabled false: "AST is enabled for the company but the company doesn't have sales tax set up".
    const target = await company({ partnerTaxEnabled: false });
    const invoice = push().hostInvoice(target);
    await push().push(target, invoice.id);
    const status = await push().status(target, invoice.id);
    expect(status).toMatchObject({
      state: 'SYNCED_WITH_DIFFERENCES',
      taxDifference: { oursCents: PLATFORM_TAX_CENTS, theirsCents: 0, policy: 'OVERRIDE' },
    });
    expect(status.taxDifference!.explanation).toContain("QuickBooks did not keep the platform's tax");
    expect(status.taxDifference!.explanation).toContain('no sales tax is set up');
  });

  it('sales tax turned off in QuickBooks: the tax is dropped, and the invoice says so', async () => {
    const target = await company({ usingSalesTax: false });
    const invoice = push().hostInvoice(target);
    await push().push(target, invoice.id);
    const status = await push().status(target, invoice.id);
    expect(status).toMatchObject({
      state: 'SYNCED_WITH_DIFFERENCES',
      taxDifference: { class: 'TAX_RECOMPUTED', theirsCents: 0 },
    });
    expect(status.taxDifference!.explanation).toContain('sales tax is turned off');
  });

  it('a new version that QuickBooks taxes as we do clears the difference: SYNCED', async () => {
    const target = await company({ automatedSalesTax: true }, 'ACCEPT');
    const invoice = push().hostInvoice(target);
    await push().push(target, invoice.id);
    expect((await push().status(target, invoice.id)).state).toBe('SYNCED_WITH_DIFFERENCES');
    await settings().update(target.tenant, 'admin', { taxDifferences: 'OVERRIDE' });
    push().changeInvoice(invoice, { memo: 'Second visit' });
    const result = await push().push(target, invoice.id);
    expect(result).toMatchObject({ outcome: 'SYNCED', operation: 'UPDATED' });
    const status = await push().status(target, invoice.id);
    expect(status.state).toBe('SYNCED');
    expect(status.taxDifference).toBeUndefined();
  });

  it('the reconciliation names the cause the push recorded for a tax difference it still finds', async () => {
    const target = await company({ automatedSalesTax: true }, 'ACCEPT');
    const invoice = push().hostInvoice(target);
    await push().push(target, invoice.id);
    const rig = push();
    const result = await new ReconciliationService({
      models,
      clientFor: (tenantId, realmId) => rig.side.clientFor(tenantId, realmId),
      host: createGraphQLHostInvoiceSource({
        url: rig.host.url,
        credentials: rig.rig.config.host.credentials,
      }),
      logger: silentLogger(),
    }).reconcile(target.tenant, { from: '2026-11-01', to: '2026-11-30' });
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]!.comparison).toMatchObject({ class: 'TAX_RECOMPUTED' });
    expect(result.rows[0]!.comparison.findings[0]!.explanation).toMatch(
      /^known since the push: .*automated sales tax/u,
    );
  });

  it("an admin's retry reads the tax setting fresh, even where the worker keeps the settings a few seconds", async () => {
    const rig = push();
    // The worker's composition, with its context cache on (QUICKBOOKS_PUSH_CONTEXT_CACHE_MS).
    const cached = composeInvoicePush({
      models,
      quickbooks: rig.side,
      host: createGraphQLHostInvoiceSource({
        url: rig.host.url,
        credentials: rig.rig.config.host.credentials,
      }),
      syncStatus: rig.syncStatus,
      logger: silentLogger(),
      contextCacheMs: 60_000,
    });
    const target = await company({ automatedSalesTax: true }, 'ACCEPT');
    const invoice = rig.hostInvoice(target);
    await rig.enqueued(target, invoice.id);
    await cached.push({ job: rig.jobData(target.tenant, invoice.id), attempt: 1, lastAttempt: false });
    expect((await rig.status(target, invoice.id)).state).toBe('SYNCED_WITH_DIFFERENCES');

    await settings().update(target.tenant, 'admin', { taxDifferences: 'OVERRIDE' });
    await rig.syncStatus.transition(
      { tenantId: target.tenant, invoiceId: invoice.id },
      'RETRY_REQUESTED',
      {},
    );
    const retried = await cached.push({
      job: { ...rig.jobData(target.tenant, invoice.id), trigger: 'RETRY_REQUESTED' },
      attempt: 1,
      lastAttempt: false,
    });
    expect(retried).toMatchObject({ outcome: 'SYNCED', operation: 'UPDATED' });
    const status = await rig.status(target, invoice.id);
    expect(status.state).toBe('SYNCED');
    expect(Math.round(stored(target, status.quickbooksInvoiceId!).TxnTaxDetail!.TotalTax! * 100)).toBe(
      PLATFORM_TAX_CENTS,
    );
  });
});
