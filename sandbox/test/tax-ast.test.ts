import { describe, expect, it } from '@jest/globals';
import { control, GB_REALM, salesLine, TestClient, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox();

/** Customer 1 is taxable; item 11 (Rocks) is taxable. */
const rocks = (amount: number, detail: Record<string, unknown> = {}) => salesLine(amount, '11', detail);
const nyc = { Line1: '1 Broadway', City: 'New York', CountrySubDivisionCode: 'NY', PostalCode: '10004' };
const portland = { Line1: '1 Main St', City: 'Portland', CountrySubDivisionCode: 'OR', PostalCode: '97201' };

function invoice(body: Record<string, unknown>, client: TestClient = t.qbo) {
  return client.post('/invoice', { CustomerRef: { value: '1' }, ...body });
}

async function taxPrefs(realmId: string, patch: Record<string, unknown>) {
  const response = await control(t.sandbox, 'PATCH', `/realms/${realmId}`, patch);
  expect(response.status).toBe(200);
  return response.json;
}

describe('AST: when a sent TotalTax sticks', () => {
  it('prorates an override and marks every tax line with OverrideDeltaAmount, even a zero one', async () => {
    await taxPrefs(US_REALM, { partnerTaxEnabled: true });
    // Computed 4.00 + 4.88 = 8.88; 8.89 spreads as 4.00 (unchanged) + 4.89.
    const response = await invoice({ Line: [rocks(100)], ShipAddr: nyc, TxnTaxDetail: { TotalTax: 8.89 } });
    const detail = response.json.Invoice.TxnTaxDetail;
    expect(detail.TxnTaxCodeRef).toEqual({ value: '113', name: 'New York City, NY' });
    expect(detail.TotalTax).toBe(8.89);
    expect(detail.TaxLine).toMatchObject([
      { Amount: 4, TaxLineDetail: { TaxRateRef: { value: '102' }, OverrideDeltaAmount: 0 } },
      { Amount: 4.89, TaxLineDetail: { TaxRateRef: { value: '113' }, OverrideDeltaAmount: 0.01 } },
    ]);
    expect(response.json.Invoice.TotalAmt).toBe(108.89);
  });

  it('records OverrideDeltaAmount as computed − override when tax.overrideDeltaSign says so', async () => {
    await taxPrefs(US_REALM, { partnerTaxEnabled: true });
    t.sandbox.control.updateSettings({ tax: { overrideDeltaSign: 'computedMinusOverride' } });
    const detail = (await invoice({ Line: [rocks(100)], ShipAddr: nyc, TxnTaxDetail: { TotalTax: 10 } })).json
      .Invoice.TxnTaxDetail;
    expect(
      detail.TaxLine.map((l: { TaxLineDetail: { OverrideDeltaAmount: number } }) => [
        l.TaxLineDetail.OverrideDeltaAmount,
      ]),
    ).toEqual([[-0.5], [-0.62]]);
    expect(detail.TotalTax).toBe(10);
  });

  it('ignores TotalTax for a destination state the company has not set up, keeps it for one it has', async () => {
    await taxPrefs(US_REALM, { partnerTaxEnabled: true });
    const oregon = await invoice({
      Line: [rocks(100)],
      ShipAddr: portland,
      TxnTaxDetail: { TxnTaxCodeRef: { value: '2' }, TotalTax: 9 },
    });
    expect(oregon.json.Invoice.TxnTaxDetail).toEqual({ TotalTax: 0, TaxLine: [] });
    expect(oregon.json.Invoice.TotalAmt).toBe(100);
    const newYork = await invoice({ Line: [rocks(100)], ShipAddr: nyc, TxnTaxDetail: { TotalTax: 9 } });
    expect(newYork.json.Invoice.TxnTaxDetail.TotalTax).toBe(9);
  });

  it('ignores TotalTax and charges nothing when PartnerTaxEnabled is false (AST on, sales tax not set up)', async () => {
    const summary = await taxPrefs(US_REALM, { partnerTaxEnabled: false });
    expect(summary).toMatchObject({ automatedSalesTax: false, partnerTaxEnabled: false });
    expect((await t.qbo.get('/preferences')).json.Preferences.TaxPrefs.PartnerTaxEnabled).toBe(false);
    const response = await invoice({
      Line: [rocks(100)],
      ShipAddr: nyc,
      TxnTaxDetail: { TxnTaxCodeRef: { value: '2' }, TotalTax: 9 },
    });
    expect(response.status).toBe(200);
    const inv = response.json.Invoice;
    expect(inv.TxnTaxDetail).toEqual({ TotalTax: 0, TaxLine: [] });
    // AST is on, so a line without a code is still a TAX line.
    expect(inv.Line[0].SalesItemLineDetail.TaxCodeRef).toEqual({ value: 'TAX' });
    expect(inv.TotalAmt).toBe(100);
  });

  it('goes back to manual tax when PartnerTaxEnabled is removed (null)', async () => {
    await taxPrefs(US_REALM, { partnerTaxEnabled: false });
    const summary = await taxPrefs(US_REALM, { partnerTaxEnabled: null });
    expect(summary.partnerTaxEnabled).toBeNull();
    const response = await invoice({
      Line: [rocks(100, { TaxCodeRef: { value: 'TAX' } })],
      TxnTaxDetail: { TxnTaxCodeRef: { value: '2' } },
    });
    expect(response.json.Invoice.TxnTaxDetail).toMatchObject({
      TxnTaxCodeRef: { value: '2' },
      TotalTax: 7.25,
    });
  });
});

describe('UsingSalesTax false: TxnTaxDetail is ignored and not stored', () => {
  it('drops the tax of a US invoice, the code and the override with it, and reads back without TxnTaxDetail', async () => {
    const summary = await taxPrefs(US_REALM, { usingSalesTax: false });
    expect(summary.usingSalesTax).toBe(false);
    expect((await t.qbo.get('/preferences')).json.Preferences.TaxPrefs.UsingSalesTax).toBe(false);
    const response = await invoice({
      Line: [rocks(100, { TaxCodeRef: { value: 'TAX' } })],
      TxnTaxDetail: { TxnTaxCodeRef: { value: '2' }, TotalTax: 7.25 },
    });
    expect(response.status).toBe(200);
    const inv = response.json.Invoice;
    expect(inv.TxnTaxDetail).toBeUndefined();
    expect(inv.TotalAmt).toBe(100);
    expect(inv.Balance).toBe(100);
    const read = (await t.qbo.get(`/invoice/${inv.Id}`)).json.Invoice;
    expect(read.TxnTaxDetail).toBeUndefined();
    expect(read.TotalAmt).toBe(100);
  });

  it('ignores the AST engine too while sales tax is off', async () => {
    await taxPrefs(US_REALM, { partnerTaxEnabled: true, usingSalesTax: false });
    const inv = (await invoice({ Line: [rocks(100)], ShipAddr: nyc, TxnTaxDetail: { TotalTax: 9 } })).json
      .Invoice;
    expect(inv.TxnTaxDetail).toBeUndefined();
    expect(inv.TotalAmt).toBe(100);
  });

  it('lets a non-US invoice through without line tax codes and without tax', async () => {
    await taxPrefs(GB_REALM, { usingSalesTax: false });
    const gb = TestClient.connect(t.sandbox, GB_REALM);
    const response = await gb.post('/invoice', {
      CustomerRef: { value: '2' },
      Line: [salesLine(100, '1')],
      TxnTaxDetail: {
        TaxLine: [{ Amount: 20, DetailType: 'TaxLineDetail', TaxLineDetail: { TaxRateRef: { value: '1' } } }],
      },
    });
    expect(response.status).toBe(200);
    expect(response.json.Invoice.TxnTaxDetail).toBeUndefined();
    expect(response.json.Invoice.TotalAmt).toBe(100);
  });
});
