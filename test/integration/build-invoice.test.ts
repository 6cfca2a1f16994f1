/**
 * The built payload against the emulator's invoice rules (arithmetic 6070, US TAX/NON 6100, AST, per-line
 * codes 6000): real mappings written through the MappingService, the reference snapshot read from the
 * company, and the QuickBooks total compared with the host's to the cent.
 */
import { describe, expect, it } from '@jest/globals';
import { Big } from 'big.js';
import { randomBytes } from 'node:crypto';
import { lineAmounts } from '../../examples/host-subgraph/src/index.js';
import { models } from '../../src/models/index.js';
import type { QuickBooksClient, QuickBooksEntity } from '../../src/quickbooks/client.js';
import { newRequestId } from '../../src/quickbooks/http.js';
import type { QuickBooksSide } from '../../src/quickbooks/setup.js';
import { MappingService, type JudgedMapping } from '../../src/services/mappings/mapping-service.js';
import type { MappingInput } from '../../src/services/mappings/rules.js';
import { readReferenceSnapshot } from '../../src/services/reference-data/reader.js';
import type { ReferenceSnapshot } from '../../src/services/reference-data/types.js';
import { buildQuickBooksInvoice, type BuildInvoiceResult } from '../../src/sync/build-invoice.js';
import type { PlatformInvoice, PlatformInvoiceLine } from '../../src/sync/platform-invoice.js';
import { useConnectRig } from '../support/connect-rig.js';
import { silentLogger, uniqueName } from '../support/harness.js';

const rig = useConnectRig();

let side: QuickBooksSide | undefined;
const workerSide = (): QuickBooksSide => (side ??= rig().workerSide());

interface Company {
  tenant: string;
  realmId: string;
  client: QuickBooksClient;
  snapshot: ReferenceSnapshot;
}

/** A connected company of its own: US (optionally with AST), CA or GB, as the emulator seeds them. */
async function company(country: 'US' | 'CA' | 'GB', options: { ast?: boolean } = {}): Promise<Company> {
  const realmId = `93414${randomBytes(5).readUIntBE(0, 5).toString().padStart(13, '0')}`.slice(0, 18);
  rig().sandbox.control.createRealm({
    realmId,
    country,
    companyName: `Build ${country} ${realmId.slice(-4)}`,
  });
  if (options.ast) rig().sandbox.control.setCompanyPreferences(realmId, { automatedSalesTax: true });
  const tenant = rig().newTenant();
  await rig().connected(tenant, realmId);
  const client = workerSide().clientFor(tenant, realmId);
  const snapshot = await readReferenceSnapshot(client, { now: () => new Date(), logger: silentLogger() });
  return { tenant, realmId, client, snapshot };
}

const idOf = (list: readonly { id: string; name: string }[], name: string): string => {
  const found = list.find((entry) => entry.name === name);
  if (!found) throw new Error(`no "${name}" in the company`);
  return found.id;
};

/** Writes the mappings as an admin does and reads them back judged, as the push will. */
async function mapped(target: Company, inputs: MappingInput[]): Promise<JudgedMapping[]> {
  const service = new MappingService({
    models,
    referenceData: { get: async () => target.snapshot },
    auditLog: { record: async () => undefined },
    now: () => new Date(),
  });
  await service.set(target.tenant, 'admin', inputs);
  return service.list(target.tenant);
}

async function billTo(target: Company, extra: Record<string, unknown> = {}): Promise<string> {
  const { entity } = await target.client.create(
    'Customer',
    { DisplayName: uniqueName('Bill-to'), ...extra },
    { requestId: newRequestId() },
  );
  return entity.Id;
}

/** Line amount and tax the way the host computes them: half up to the cent, per line. */
function hostLine(
  id: string,
  fields: Pick<PlatformInvoiceLine, 'description' | 'itemKind' | 'quantity' | 'unitPrice' | 'taxRate'> &
    Partial<PlatformInvoiceLine>,
): PlatformInvoiceLine {
  const amount = new Big(fields.quantity).times(fields.unitPrice).round(2, 1);
  const tax = amount.times(fields.taxRate).div(100).round(2, 1);
  return { id, serviceCode: null, amount: amount.toFixed(2), taxAmount: tax.toFixed(2), ...fields };
}

function hostInvoice(currency: string, lines: PlatformInvoiceLine[]): PlatformInvoice {
  const subtotal = lines.reduce((sum, l) => sum.plus(l.amount), new Big(0));
  const tax = lines.reduce((sum, l) => sum.plus(l.taxAmount), new Big(0));
  return {
    id: uniqueName('inv'),
    tenantId: 'tenant',
    number: 'INV-2001',
    status: 'FINALIZED',
    currency,
    issueDate: '2026-11-20',
    dueDate: '2026-12-20',
    billTo: { name: 'Bill-to', email: 'billing@example.com' },
    lines,
    totals: { subtotal: subtotal.toFixed(2), tax: tax.toFixed(2), total: subtotal.plus(tax).toFixed(2) },
    memo: 'Thank you',
    version: 1,
  };
}

interface StoredInvoice extends QuickBooksEntity {
  TotalAmt: number;
  TxnTaxDetail?: { TotalTax?: number; TxnTaxCodeRef?: { value: string } };
  Line: { DetailType: string; Amount: number; SalesItemLineDetail?: { TaxCodeRef?: { value: string } } }[];
}

async function push(target: Company, result: BuildInvoiceResult): Promise<StoredInvoice> {
  expect(result.problems).toEqual([]);
  const { entity } = await target.client.create<StoredInvoice>(
    'Invoice',
    { ...result.payload },
    { requestId: newRequestId() },
  );
  return entity;
}

/** Host-side figures for the comparisons, as cents-exact strings. */
const money = (value: number | undefined): string => new Big(value ?? 0).toFixed(2);

describe('the built invoice, accepted by QuickBooks', () => {
  it('US: TAX/NON lines and the mapped group; QuickBooks shows the host’s tax and total to the cent', async () => {
    const us = await company('US');
    const mappings = await mapped(us, [
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: idOf(us.snapshot.items, 'Hours') },
      { kind: 'ITEM', sourceKey: 'SERVICE_CODE:SOIL-BAG', targetId: idOf(us.snapshot.items, 'Soil') },
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: idOf(us.snapshot.items, 'Services') },
      { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.0825', targetId: idOf(us.snapshot.taxCodes, 'San Pablo') },
    ]);
    // Per-line rounding gives 23.64 + 4.08 = 27.72; 8.25 % of the 335.90 sum would be 27.71.
    const invoice = hostInvoice('USD', [
      hostLine('l1', {
        description: 'Labor',
        itemKind: 'LABOR',
        quantity: '3',
        unitPrice: '95.50',
        taxRate: '8.25',
      }),
      hostLine('l2', {
        description: 'Soil',
        itemKind: 'MATERIAL',
        serviceCode: 'SOIL-BAG',
        quantity: '4',
        unitPrice: '12.35',
        taxRate: '8.25',
      }),
      hostLine('l3', {
        description: 'Trip charge',
        itemKind: 'FEE',
        quantity: '1',
        unitPrice: '25',
        taxRate: '0',
      }),
    ]);
    expect(invoice.totals).toEqual({ subtotal: '360.90', tax: '27.72', total: '388.62' });
    const result = buildQuickBooksInvoice({
      invoice,
      mappings,
      snapshot: us.snapshot,
      settings: { defaultTermsId: '4' },
      customerId: await billTo(us),
    });
    expect(result.decisions.map((d) => d.reason)).toContain("line 2: item 'Soil' from SERVICE_CODE:SOIL-BAG");

    const stored = await push(us, result);
    expect(money(stored.TotalAmt)).toBe(invoice.totals.total);
    expect(money(stored.TxnTaxDetail?.TotalTax)).toBe(invoice.totals.tax);
    expect(stored.TxnTaxDetail?.TxnTaxCodeRef?.value).toBe(idOf(us.snapshot.taxCodes, 'San Pablo'));
    const sales = stored.Line.filter((l) => l.DetailType === 'SalesItemLineDetail');
    expect(sales.map((l) => l.SalesItemLineDetail?.TaxCodeRef?.value)).toEqual(['TAX', 'TAX', 'NON']);
    expect(sales.map((l) => money(l.Amount))).toEqual(['286.50', '49.40', '25.00']);

    // Why TotalTax is sent: left to itself, QuickBooks taxes the sum and lands a cent away from the host.
    const { TxnTaxDetail, ...rest } = result.payload;
    const computed = await push(us, {
      ...result,
      payload: {
        ...rest,
        ...(TxnTaxDetail ? { TxnTaxDetail: { TxnTaxCodeRef: TxnTaxDetail.TxnTaxCodeRef } } : {}),
      } as typeof result.payload,
    });
    expect(money(computed.TxnTaxDetail?.TotalTax)).toBe('27.71');
  });

  it('US with automated sales tax, ACCEPT: no codes sent, QuickBooks computes the tax from the company address', async () => {
    const ast = await company('US', { ast: true });
    expect(ast.snapshot.facts.automatedSalesTax).toBe(true);
    const mappings = await mapped(ast, [
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:MATERIAL', targetId: idOf(ast.snapshot.items, 'Soil') },
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: idOf(ast.snapshot.items, 'Services') },
    ]);
    // The host charges California's 7.25 % (the company is in San Pablo, CA; the emulator's AST table).
    const invoice = hostInvoice('USD', [
      hostLine('l1', {
        description: 'Soil',
        itemKind: 'MATERIAL',
        quantity: '4',
        unitPrice: '12.35',
        taxRate: '7.25',
      }),
      hostLine('l2', {
        description: 'Trip charge',
        itemKind: 'FEE',
        quantity: '1',
        unitPrice: '25',
        taxRate: '0',
      }),
    ]);
    const result = buildQuickBooksInvoice({
      invoice,
      mappings,
      snapshot: ast.snapshot,
      settings: { taxDifferences: 'ACCEPT' },
      // AST honours the customer's taxability, and a US customer created without Taxable is not taxable.
      customerId: await billTo(ast, { Taxable: true }),
    });
    expect(result.payload).not.toHaveProperty('TxnTaxDetail');

    const stored = await push(ast, result);
    // QuickBooks' own computation: 7.25 % of 49.40 = 3.58, the NON trip charge untaxed.
    expect(money(stored.TxnTaxDetail?.TotalTax)).toBe('3.58');
    expect(money(stored.TxnTaxDetail?.TotalTax)).toBe(invoice.totals.tax);
    expect(money(stored.TotalAmt)).toBe(invoice.totals.total);
  });

  it("US with automated sales tax, OVERRIDE: the platform's tax is sent and kept where AST would charge another", async () => {
    const ast = await company('US', { ast: true });
    const mappings = await mapped(ast, [
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:MATERIAL', targetId: idOf(ast.snapshot.items, 'Soil') },
    ]);
    // The platform billed 8 %; AST would charge California's 7.25 % (3.58 on 49.40).
    const invoice = hostInvoice('USD', [
      hostLine('l1', {
        description: 'Soil',
        itemKind: 'MATERIAL',
        quantity: '4',
        unitPrice: '12.35',
        taxRate: '8',
      }),
    ]);
    const result = buildQuickBooksInvoice({
      invoice,
      mappings,
      snapshot: ast.snapshot,
      settings: { taxDifferences: 'OVERRIDE' },
      customerId: await billTo(ast, { Taxable: true }),
    });
    expect(result.payload.TxnTaxDetail).toEqual({ TxnTaxCodeRef: { value: 'TAX' }, TotalTax: 3.95 });
    const stored = await push(ast, result);
    expect(money(stored.TxnTaxDetail?.TotalTax)).toBe('3.95');
    expect(money(stored.TotalAmt)).toBe(invoice.totals.total);
    // AST assigned its own code, the placeholder is gone.
    expect(stored.TxnTaxDetail?.TxnTaxCodeRef?.value).not.toBe('TAX');
  });

  it('CA: the mapped GST/HST code on every line, exempt lines included; totals match the host', async () => {
    const ca = await company('CA');
    const mappings = await mapped(ca, [
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: idOf(ca.snapshot.items, 'Hours') },
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:MATERIAL', targetId: idOf(ca.snapshot.items, 'Soil') },
      { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.13', targetId: idOf(ca.snapshot.taxCodes, 'HST ON') },
      { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0', targetId: idOf(ca.snapshot.taxCodes, 'Exempt') },
    ]);
    const invoice = hostInvoice('CAD', [
      hostLine('l1', {
        description: 'Labor',
        itemKind: 'LABOR',
        quantity: '2.5',
        unitPrice: '80.15',
        taxRate: '13',
      }),
      hostLine('l2', {
        description: 'Soil',
        itemKind: 'MATERIAL',
        quantity: '3',
        unitPrice: '9.99',
        taxRate: '13',
      }),
      hostLine('l3', {
        description: 'Exempt labor',
        itemKind: 'LABOR',
        quantity: '1',
        unitPrice: '40',
        taxRate: '0',
      }),
    ]);
    const result = buildQuickBooksInvoice({
      invoice,
      mappings,
      snapshot: ca.snapshot,
      settings: {},
      customerId: await billTo(ca),
    });
    const stored = await push(ca, result);
    expect(money(stored.TxnTaxDetail?.TotalTax)).toBe(invoice.totals.tax);
    expect(money(stored.TotalAmt)).toBe(invoice.totals.total);
    const sales = stored.Line.filter((l) => l.DetailType === 'SalesItemLineDetail');
    expect(sales.map((l) => l.SalesItemLineDetail?.TaxCodeRef?.value)).toEqual([
      idOf(ca.snapshot.taxCodes, 'HST ON'),
      idOf(ca.snapshot.taxCodes, 'HST ON'),
      idOf(ca.snapshot.taxCodes, 'Exempt'),
    ]);
  });

  it('GB: standard and reduced VAT per line; totals match the host', async () => {
    const gb = await company('GB');
    const mappings = await mapped(gb, [
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: idOf(gb.snapshot.items, 'Hours') },
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:MATERIAL', targetId: idOf(gb.snapshot.items, 'Soil') },
      { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.2', targetId: idOf(gb.snapshot.taxCodes, '20.0% S') },
      { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.05', targetId: idOf(gb.snapshot.taxCodes, '5.0% R') },
    ]);
    const invoice = hostInvoice('GBP', [
      hostLine('l1', {
        description: 'Labor',
        itemKind: 'LABOR',
        quantity: '1.75',
        unitPrice: '64.33',
        taxRate: '20',
      }),
      hostLine('l2', {
        description: 'Insulation',
        itemKind: 'MATERIAL',
        quantity: '7',
        unitPrice: '3.17',
        taxRate: '5',
      }),
    ]);
    const result = buildQuickBooksInvoice({
      invoice,
      mappings,
      snapshot: gb.snapshot,
      settings: {},
      customerId: await billTo(gb),
    });
    const stored = await push(gb, result);
    expect(money(stored.TxnTaxDetail?.TotalTax)).toBe(invoice.totals.tax);
    expect(money(stored.TotalAmt)).toBe(invoice.totals.total);
  });

  it('GB, prices including tax, ACCEPT: TaxInclusive lines keep their gross, so QuickBooks holds the host tax', async () => {
    const gb = await company('GB');
    const mappings = await mapped(gb, [
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: idOf(gb.snapshot.items, 'Hours') },
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:MATERIAL', targetId: idOf(gb.snapshot.items, 'Soil') },
      { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.2', targetId: idOf(gb.snapshot.taxCodes, '20.0% S') },
      { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.05', targetId: idOf(gb.snapshot.taxCodes, '5.0% R') },
    ]);
    // The host's own arithmetic for prices including tax. 1.23 at 20 % is the half-cent case: 1.025 before
    // tax rounds up to 1.03 (VAT 0.20), which QuickBooks must accept as the net of its gross.
    const specs = [
      { description: 'Fuse', itemKind: 'MATERIAL' as const, quantity: '1', unitPrice: '1.23', taxRate: '20' },
      {
        description: 'Labor',
        itemKind: 'LABOR' as const,
        quantity: '1.75',
        unitPrice: '64.33',
        taxRate: '20',
      },
      {
        description: 'Insulation',
        itemKind: 'MATERIAL' as const,
        quantity: '7',
        unitPrice: '3.17',
        taxRate: '5',
      },
    ];
    const lines = specs.map((spec, index) => ({
      id: `l${index + 1}`,
      serviceCode: null,
      ...spec,
      ...lineAmounts(spec, true),
    }));
    expect(lines[0]).toMatchObject({ amount: '1.03', taxAmount: '0.20' });
    const invoice = { ...hostInvoice('GBP', lines), pricesIncludeTax: true };
    const result = buildQuickBooksInvoice({
      invoice,
      mappings,
      snapshot: gb.snapshot,
      settings: { taxDifferences: 'ACCEPT' },
      customerId: await billTo(gb),
    });
    expect(result.payload).not.toHaveProperty('TxnTaxDetail');
    const stored = (await push(gb, result)) as StoredInvoice & { GlobalTaxCalculation?: string };
    expect(stored.GlobalTaxCalculation).toBe('TaxInclusive');
    expect(money(stored.TxnTaxDetail?.TotalTax)).toBe(invoice.totals.tax);
    expect(money(stored.TotalAmt)).toBe(invoice.totals.total);
    const sales = stored.Line.filter((l) => l.DetailType === 'SalesItemLineDetail') as unknown as {
      Amount: number;
      SalesItemLineDetail: { TaxInclusiveAmt?: number };
    }[];
    expect(sales.map((l) => [money(l.Amount), money(l.SalesItemLineDetail.TaxInclusiveAmt)])).toEqual(
      lines.map((l) => [l.amount, new Big(l.amount).plus(l.taxAmount).toFixed(2)]),
    );
  });

  it('closed books: ACTION_REQUIRED before any write, on the very day QuickBooks would refuse it (6210)', async () => {
    const us = await company('US');
    const mappings = await mapped(us, [
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: idOf(us.snapshot.items, 'Hours') },
    ]);
    rig().sandbox.control.setCompanyPreferences(us.realmId, { bookCloseDate: '2026-11-20' });
    const closed = await readReferenceSnapshot(us.client, { now: () => new Date(), logger: silentLogger() });
    expect(closed.facts.bookCloseDate).toBe('2026-11-20');
    const invoice = hostInvoice('USD', [
      hostLine('l1', {
        description: 'Labor',
        itemKind: 'LABOR',
        quantity: '1',
        unitPrice: '10',
        taxRate: '0',
      }),
    ]);
    const input = { invoice, mappings, snapshot: closed, settings: {}, customerId: await billTo(us) };
    const result = buildQuickBooksInvoice(input);
    expect(result.problems.map((p) => p.code)).toEqual(['BOOKS_CLOSED']);
    // The same payload sent anyway: QuickBooks refuses it, so the check spares a failed write.
    await expect(
      us.client.create('Invoice', { ...result.payload }, { requestId: newRequestId() }),
    ).rejects.toMatchObject({ kind: 'validation', code: '6210', retryable: false });

    // Dated the day after the closing date: no problem, and QuickBooks takes it.
    const nextDay = buildQuickBooksInvoice({ ...input, invoice: { ...invoice, issueDate: '2026-11-21' } });
    const stored = await push(us, nextDay);
    expect(money(stored.TotalAmt)).toBe('10.00');
  });
});
