import { describe, expect, it } from '@jest/globals';
import { control, GB_REALM, salesLine, start, TestClient, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fault = (response: { json: any }) => response.json.Fault?.Error?.[0];

/** Customer 1 (Amy's Bird Sanctuary) is taxable, customer 2 is not; item 11 (Rocks) is taxable, 1 (Services) not. */
function invoice(body: Record<string, unknown>) {
  return t.qbo.post('/invoice', { CustomerRef: { value: '1' }, ...body });
}

const rocks = (amount: number, detail: Record<string, unknown> = {}) => salesLine(amount, '11', detail);
const nyc = { Line1: '1 Broadway', City: 'New York', CountrySubDivisionCode: 'NY', PostalCode: '10004' };

async function enableAst(): Promise<void> {
  const response = await control(t.sandbox, 'PATCH', `/realms/${US_REALM}`, { automatedSalesTax: true });
  expect(response.status).toBe(200);
  expect(response.json.automatedSalesTax).toBe(true);
}

describe('switching automated sales tax (AST) per company', () => {
  it('is off in the seeded US company: PartnerTaxEnabled is absent, as for a company without AST', async () => {
    const prefs = (await t.qbo.get('/preferences')).json.Preferences;
    expect(prefs.TaxPrefs.UsingSalesTax).toBe(true);
    expect(prefs.TaxPrefs.PartnerTaxEnabled).toBeUndefined();
  });

  it('turns on over the control route: PartnerTaxEnabled true and the AST tax codes readable', async () => {
    await enableAst();
    expect((await t.qbo.get('/preferences')).json.Preferences.TaxPrefs.PartnerTaxEnabled).toBe(true);
    const code = (await t.qbo.get('/taxcode/113')).json.TaxCode;
    expect(code).toMatchObject({ Name: 'New York City, NY', TaxGroup: true });
    expect(
      code.SalesTaxRateList.TaxRateDetail.map((d: { TaxRateRef: { value: string } }) => d.TaxRateRef.value),
    ).toEqual(['102', '113']);
    const off = await control(t.sandbox, 'PATCH', `/realms/${US_REALM}`, { automatedSalesTax: false });
    expect(off.json.automatedSalesTax).toBe(false);
    expect((await t.qbo.get('/preferences')).json.Preferences.TaxPrefs.PartnerTaxEnabled).toBeUndefined();
  });

  it('exists for US companies only', async () => {
    const response = await control(t.sandbox, 'PATCH', `/realms/${GB_REALM}`, { automatedSalesTax: true });
    expect(response.status).toBe(400);
    expect(response.json.error).toBe('automated sales tax exists for US companies only');
  });

  it('can be set when the emulator starts (RealmOptions.automatedSalesTax)', async () => {
    const sandbox = await start({
      realms: [{ realmId: '4620816365000000001', country: 'US', automatedSalesTax: true }],
    });
    try {
      const qbo = TestClient.connect(sandbox, '4620816365000000001');
      const response = await qbo.post('/invoice', {
        CustomerRef: { value: '1' },
        Line: [rocks(100)],
        ShipAddr: nyc,
      });
      expect(response.json.Invoice.TxnTaxDetail).toMatchObject({
        TxnTaxCodeRef: { value: '113' },
        TotalTax: 8.88,
      });
    } finally {
      await sandbox.close();
    }
  });
});

describe('AST on invoices', () => {
  it('replaces the supplied TxnTaxCodeRef with the code of the ship-to address and taxes by its rates', async () => {
    await enableAst();
    const response = await invoice({
      Line: [rocks(100, { TaxCodeRef: { value: 'TAX' } })],
      ShipAddr: nyc,
      TxnTaxDetail: { TxnTaxCodeRef: { value: '2' } },
    });
    expect(response.status).toBe(200);
    const detail = response.json.Invoice.TxnTaxDetail;
    expect(detail.TxnTaxCodeRef).toEqual({ value: '113', name: 'New York City, NY' });
    // 4 % state + 4.875 % city on 100: 4.00 + 4.88 (4.875 rounded half away from zero).
    expect(detail.TaxLine.map((l: { Amount: number }) => l.Amount)).toEqual([4, 4.88]);
    expect(detail.TotalTax).toBe(8.88);
    expect(response.json.Invoice.TotalAmt).toBe(108.88);
  });

  it('uses the bill-to address without a ship-to, and the company address when neither can be placed', async () => {
    await enableAst();
    const austin = {
      Line1: '1 Congress Ave',
      City: 'Austin',
      CountrySubDivisionCode: 'TX',
      PostalCode: '78701',
    };
    const billed = (await invoice({ Line: [rocks(100)], BillAddr: austin })).json.Invoice;
    expect(billed.TxnTaxDetail).toMatchObject({ TxnTaxCodeRef: { value: '114' }, TotalTax: 8.25 });
    // The company is in San Pablo, CA: the state rate only.
    const company = (await invoice({ Line: [rocks(100)], BillAddr: { Line1: 'PO Box 7' } })).json.Invoice;
    expect(company.TxnTaxDetail).toMatchObject({ TxnTaxCodeRef: { value: '101' }, TotalTax: 7.25 });
  });

  it('treats a line without TaxCodeRef as TAX and taxes it only when its item is taxable', async () => {
    await enableAst();
    const response = await invoice({ Line: [rocks(100), salesLine(50, '1')], ShipAddr: nyc });
    const inv = response.json.Invoice;
    expect(inv.Line[0].SalesItemLineDetail.TaxCodeRef).toEqual({ value: 'TAX' });
    expect(inv.Line[1].SalesItemLineDetail.TaxCodeRef).toEqual({ value: 'TAX' });
    expect(inv.TxnTaxDetail.TaxLine[0].TaxLineDetail.NetAmountTaxable).toBe(100);
    expect(inv.TxnTaxDetail.TotalTax).toBe(8.88);
  });

  it('does not tax NON lines or a non-taxable customer', async () => {
    await enableAst();
    const non = await invoice({ Line: [rocks(100, { TaxCodeRef: { value: 'NON' } })], ShipAddr: nyc });
    expect(non.json.Invoice.TxnTaxDetail.TotalTax).toBe(0);
    const exempt = await t.qbo.post('/invoice', {
      CustomerRef: { value: '2' },
      Line: [rocks(100)],
      ShipAddr: nyc,
    });
    expect(exempt.json.Invoice.TxnTaxDetail.TotalTax).toBe(0);
  });

  it('honours an explicit TotalTax, prorates it across the AST code’s rates and records OverrideDeltaAmount', async () => {
    await enableAst();
    const response = await invoice({ Line: [rocks(100)], ShipAddr: nyc, TxnTaxDetail: { TotalTax: 10 } });
    const detail = response.json.Invoice.TxnTaxDetail;
    expect(detail.TotalTax).toBe(10);
    expect(detail.TaxLine).toMatchObject([
      { Amount: 4.5, TaxLineDetail: { TaxRateRef: { value: '102' }, OverrideDeltaAmount: 0.5 } },
      { Amount: 5.5, TaxLineDetail: { TaxRateRef: { value: '113' }, OverrideDeltaAmount: 0.62 } },
    ]);
    expect(response.json.Invoice.TotalAmt).toBe(110);
  });

  it('ignores an explicit TotalTax without a taxable line by default, spreads it when set to apply', async () => {
    await enableAst();
    const body = { Line: [salesLine(100, '1')], ShipAddr: nyc, TxnTaxDetail: { TotalTax: 5 } };
    expect((await invoice(body)).json.Invoice.TxnTaxDetail.TotalTax).toBe(0);
    t.sandbox.control.updateSettings({ invoice: { astOverrideWithoutTaxableLines: 'apply' } });
    const applied = (await invoice(body)).json.Invoice;
    expect(applied.TxnTaxDetail.TotalTax).toBe(5);
    expect(applied.TxnTaxDetail.TaxLine.map((l: { Amount: number }) => l.Amount)).toEqual([2.5, 2.5]);
    expect(applied.TotalAmt).toBe(105);
  });

  it('charges no tax, and names no tax code, for a state where the company has no tax agency', async () => {
    await enableAst();
    const portland = {
      Line1: '1 Main St',
      City: 'Portland',
      CountrySubDivisionCode: 'OR',
      PostalCode: '97201',
    };
    const response = await invoice({
      Line: [rocks(100)],
      ShipAddr: portland,
      TxnTaxDetail: { TxnTaxCodeRef: { value: '2' }, TotalTax: 9 },
    });
    expect(response.json.Invoice.TxnTaxDetail).toEqual({ TotalTax: 0, TaxLine: [] });
    expect(response.json.Invoice.TotalAmt).toBe(100);
  });

  it('applies the discount first when ApplyTaxAfterDiscount is set', async () => {
    await enableAst();
    const response = await invoice({
      Line: [
        rocks(200),
        { DetailType: 'DiscountLineDetail', DiscountLineDetail: { PercentBased: true, DiscountPercent: 10 } },
      ],
      ApplyTaxAfterDiscount: true,
      ShipAddr: nyc,
    });
    const inv = response.json.Invoice;
    // 180 taxable: 7.20 + 8.78 (8.775 rounded half away from zero).
    expect(inv.TxnTaxDetail.TotalTax).toBe(15.98);
    expect(inv.TotalAmt).toBe(195.98);
  });

  it('leaves manual US tax untouched while AST is off', async () => {
    const response = await invoice({
      Line: [rocks(100, { TaxCodeRef: { value: 'TAX' } })],
      ShipAddr: nyc,
      TxnTaxDetail: { TxnTaxCodeRef: { value: '2' } },
    });
    expect(response.json.Invoice.TxnTaxDetail).toMatchObject({
      TxnTaxCodeRef: { value: '2' },
      TotalTax: 7.25,
    });
    expect(fault(await invoice({ Line: [rocks(1, { TaxCodeRef: { value: '113' } })] })).code).toBe('6100');
  });
});
