import { describe, expect, it } from '@jest/globals';
import { CA_REALM, GB_REALM, salesLine, TestClient, useSandbox } from './helpers.js';

const t = useSandbox();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fault = (response: { json: any }) => response.json.Fault?.Error?.[0];

function invoice(body: Record<string, unknown>, client: TestClient = t.qbo) {
  return client.post('/invoice', { CustomerRef: { value: '2' }, ...body });
}

const connect = (realmId: string) => TestClient.connect(t.sandbox, realmId);

/** Items of the seeded companies: 1 Services (no price), 4 Design (75), 15 Pump (tracked inventory, 15). */
const line = (amount: number, item: string, detail: Record<string, unknown> = {}) =>
  salesLine(amount, item, detail);

describe('Qty x UnitPrice against Amount (6070)', () => {
  it('refuses Qty 3 x UnitPrice 10 with Amount 25 with 6070 in Intuit’s wording', async () => {
    const response = await invoice({ Line: [line(25, '1', { Qty: 3, UnitPrice: 10 })] });
    expect(response.status).toBe(400);
    expect(fault(response)).toEqual({
      Message: 'Amount calculation incorrect in the request.',
      Detail: 'Amount is not equal to UnitPrice * Qty. Supplied value:25',
      code: '6070',
      element: 'Line.Amount',
    });
    expect((await invoice({ Line: [line(30, '1', { Qty: 3, UnitPrice: 10 })] })).status).toBe(200);
  });

  it('prints the supplied amount with thousands separators', async () => {
    const response = await invoice({ Line: [line(1000, '1', { Qty: 7, UnitPrice: 225 })] });
    expect(fault(response).Detail).toBe('Amount is not equal to UnitPrice * Qty. Supplied value:1,000');
  });

  it('expects the exact product rounded half up to the cent (128.35 x 14.50 = 1861.075 -> 1861.08)', async () => {
    const half = { Qty: 128.35, UnitPrice: 14.5 };
    expect(fault(await invoice({ Line: [line(1861.07, '1', half)] })).code).toBe('6070');
    const ok = await invoice({ Line: [line(1861.08, '1', half)] });
    expect(ok.status).toBe(200);
    expect(ok.json.Invoice.Line[0]).toMatchObject({ Amount: 1861.08, SalesItemLineDetail: half });
  });

  it('requires Amount even when Qty and UnitPrice are sent (2020)', async () => {
    const response = await t.qbo.post('/invoice', {
      CustomerRef: { value: '2' },
      Line: [
        {
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 2, UnitPrice: 5 },
        },
      ],
    });
    expect(fault(response).code).toBe('2020');
  });

  it('by default takes the item’s UnitPrice when only Qty is sent, and Qty 1 when only UnitPrice is', async () => {
    const design = await invoice({ Line: [line(150, '4', { Qty: 2 })] });
    expect(design.status).toBe(200);
    expect(design.json.Invoice.Line[0].SalesItemLineDetail).toMatchObject({ Qty: 2, UnitPrice: 75 });
    expect(fault(await invoice({ Line: [line(100, '4', { Qty: 2 })] })).code).toBe('6070');
    expect(fault(await invoice({ Line: [line(25, '1', { UnitPrice: 10 })] })).code).toBe('6070');
    const single = await invoice({ Line: [line(25, '1', { UnitPrice: 25 })] });
    expect(single.json.Invoice.Line[0].SalesItemLineDetail).toMatchObject({ Qty: 1, UnitPrice: 25 });
  });

  it('derives the missing UnitPrice (7 decimals) or Qty from Amount when set to derive', async () => {
    t.sandbox.control.updateSettings({ invoice: { partialQtyUnitPrice: 'derive' } });
    const price = await invoice({ Line: [line(409.09, '4', { Qty: 450 })] });
    expect(price.status).toBe(200);
    expect(price.json.Invoice.Line[0].SalesItemLineDetail).toMatchObject({ Qty: 450, UnitPrice: 0.9090889 });
    const qty = await invoice({ Line: [line(50, '1', { UnitPrice: 20 })] });
    expect(qty.json.Invoice.Line[0].SalesItemLineDetail).toMatchObject({ Qty: 2.5, UnitPrice: 20 });
  });

  it('refuses a tracked inventory item without Qty (6520, as captured in n8n-io/n8n#12956)', async () => {
    const response = await invoice({ Line: [line(15, '15', { UnitPrice: 15 })] });
    expect(response.status).toBe(400);
    expect(fault(response)).toEqual({
      Message: 'Missing Inventory Item Quantity',
      Detail: 'Quantity required for inventory item',
      code: '6520',
      element: '',
    });
    t.sandbox.control.updateSettings({ invoice: { partialQtyUnitPrice: 'derive' } });
    expect(fault(await invoice({ Line: [line(15, '15', { UnitPrice: 15 })] })).code).toBe('6520');
    expect((await invoice({ Line: [line(30, '15', { Qty: 2, UnitPrice: 15 })] })).status).toBe(200);
  });

  it('re-checks stored lines on a sparse update without complaint and ignores documentation lines', async () => {
    const created = await invoice({
      Line: [
        line(1861.08, '1', { Qty: 128.35, UnitPrice: 14.5 }),
        { DetailType: 'SalesItemLineDetail', Amount: 999, Description: 'note', SalesItemLineDetail: {} },
      ],
    });
    expect(created.json.Invoice.TotalAmt).toBe(1861.08);
    const { Id, SyncToken } = created.json.Invoice;
    const updated = await t.qbo.post('/invoice', { Id, SyncToken, sparse: true, PrivateNote: 'checked' });
    expect(updated.status).toBe(200);
    expect(updated.json.Invoice.TotalAmt).toBe(1861.08);
  });
});

describe('amount precision and rounding', () => {
  it('refuses amounts with more than two decimals by default (2140)', async () => {
    const response = await invoice({ Line: [line(10.125, '1')] });
    expect(response.status).toBe(400);
    expect(fault(response)).toMatchObject({
      code: '2140',
      Message: 'Invalid Amount',
      element: 'Line.Amount',
    });
    expect(fault(await invoice({ Line: [line(10, '1')], Deposit: 1.001 })).code).toBe('2140');
  });

  it('rounds sub-cent amounts half away from zero on the decimal value when set to round', async () => {
    t.sandbox.control.updateSettings({ invoice: { subCentAmounts: 'round' } });
    // 2.675 is 2.67499999… as a double and Math.round took -0.125 to -0.12: both must round away from zero.
    const response = await invoice({ Line: [line(2.675, '1'), line(-0.125, '1'), line(1.005, '1')] });
    expect(response.status).toBe(200);
    expect(response.json.Invoice.Line.slice(0, 3).map((l: { Amount: number }) => l.Amount)).toEqual([
      2.68, -0.13, 1.01,
    ]);
    expect(response.json.Invoice.TotalAmt).toBe(3.56);
  });

  it('refuses amounts beyond Intuit’s "15 digits in 10.5 format" in either setting', async () => {
    for (const subCentAmounts of ['reject', 'round'] as const) {
      t.sandbox.control.updateSettings({ invoice: { subCentAmounts } });
      expect(fault(await invoice({ Line: [line(1.123456, '1')] })).code).toBe('2140');
      expect(fault(await invoice({ Line: [line(12345678901, '1')] })).code).toBe('2140');
    }
  });

  it('rounds negative half-cent tax away from zero (CA GST 5 % of -0.50 is -0.03)', async () => {
    const ca = connect(CA_REALM);
    const response = await invoice(
      {
        Line: [
          line(100, '1', { TaxCodeRef: { value: '5' } }),
          line(-0.5, '2', { TaxCodeRef: { value: '4' } }),
        ],
      },
      ca,
    );
    expect(response.status).toBe(200);
    const gst = response.json.Invoice.TxnTaxDetail.TaxLine.find(
      (l: { TaxLineDetail: { TaxRateRef: { value: string } } }) => l.TaxLineDetail.TaxRateRef.value === '1',
    );
    expect(gst).toMatchObject({ Amount: -0.03, TaxLineDetail: { NetAmountTaxable: -0.5, TaxPercent: 5 } });
    expect(response.json.Invoice.TxnTaxDetail.TotalTax).toBe(12.97);
    expect(response.json.Invoice.TotalAmt).toBe(112.47);
  });

  it('taxes non-US invoices line by line, as QuickBooks Online does (three 0.50 lines at 13 % = 0.21)', async () => {
    const ca = connect(CA_REALM);
    const hst = { TaxCodeRef: { value: '5' } };
    const response = await invoice(
      { Line: [line(0.5, '1', hst), line(0.5, '2', hst), line(0.5, '3', hst)] },
      ca,
    );
    expect(response.json.Invoice.TxnTaxDetail).toMatchObject({
      TotalTax: 0.21,
      TaxLine: [{ Amount: 0.21, TaxLineDetail: { NetAmountTaxable: 1.5, TaxPercent: 13 } }],
    });
    expect(response.json.Invoice.TotalAmt).toBe(1.71);
  });

  it('keeps US tax on the taxable subtotal after a discount when ApplyTaxAfterDiscount is set', async () => {
    const response = await invoice({
      Line: [
        line(200, '11', { TaxCodeRef: { value: 'TAX' } }),
        line(50, '1'),
        { DetailType: 'DiscountLineDetail', DiscountLineDetail: { PercentBased: true, DiscountPercent: 10 } },
      ],
      ApplyTaxAfterDiscount: true,
      TxnTaxDetail: { TxnTaxCodeRef: { value: '3' } },
    });
    const inv = response.json.Invoice;
    // Taxable 200 x (250 - 25) / 250 = 180: 7.25 % = 13.05, 1 % = 1.80.
    expect(inv.TxnTaxDetail.TaxLine.map((l: { Amount: number }) => l.Amount)).toEqual([13.05, 1.8]);
    expect(inv.TxnTaxDetail.TaxLine[0].TaxLineDetail.NetAmountTaxable).toBe(180);
    expect(inv.TotalAmt).toBe(239.85);
  });
});

describe('totals QuickBooks refuses', () => {
  it('refuses an invoice whose total is below zero (6000 "Transaction amount must be positive")', async () => {
    const response = await invoice({ Line: [line(-50, '1')] });
    expect(response.status).toBe(400);
    expect(fault(response)).toMatchObject({
      code: '6000',
      Detail: 'Business Validation Error: Transaction amount must be positive.',
    });
    expect((await invoice({ Line: [line(50, '1'), line(-50, '1')] })).json.Invoice.TotalAmt).toBe(0);
  });

  it('refuses a Deposit larger than the total instead of answering a negative Balance', async () => {
    const response = await invoice({ Line: [line(100, '1')], Deposit: 150 });
    expect(response.status).toBe(400);
    expect(fault(response).code).toBe('6000');
    expect(fault(response).Detail).toContain('deposit');
    const paidUp = await invoice({ Line: [line(100, '1')], Deposit: 100 });
    expect(paidUp.json.Invoice).toMatchObject({ TotalAmt: 100, Deposit: 100, Balance: 0 });
  });
});

describe('tax-inclusive amounts (global model)', () => {
  const vat20 = { TaxCodeRef: { value: '2' } };

  it('keeps Amount as the net and the sent gross as the total: TaxInclusiveAmt 120 at 20 % is 100 + 20', async () => {
    const gb = connect(GB_REALM);
    const response = await invoice(
      { GlobalTaxCalculation: 'TaxInclusive', Line: [line(100, '1', { ...vat20, TaxInclusiveAmt: 120 })] },
      gb,
    );
    expect(response.status).toBe(200);
    const inv = response.json.Invoice;
    expect(inv.Line[0]).toMatchObject({ Amount: 100, SalesItemLineDetail: { TaxInclusiveAmt: 120 } });
    expect(inv).toMatchObject({ TotalAmt: 120, TxnTaxDetail: { TotalTax: 20 } });
    expect(inv.Line.at(-1)).toMatchObject({ DetailType: 'SubTotalLineDetail', Amount: 100 });
  });

  it('takes the line tax as gross minus net, so the sent gross is exactly what is charged', async () => {
    const gb = connect(GB_REALM);
    // 120.03 / 1.2 = 100.025 -> 100.03; 20 % of 100.03 would be 20.01 and the total 120.04.
    const response = await invoice(
      {
        GlobalTaxCalculation: 'TaxInclusive',
        Line: [line(100.03, '1', { ...vat20, TaxInclusiveAmt: 120.03 })],
      },
      gb,
    );
    expect(response.json.Invoice).toMatchObject({ TotalAmt: 120.03, TxnTaxDetail: { TotalTax: 20 } });
  });

  it('refuses an Amount that is not the net of TaxInclusiveAmt by default, recomputes it when set to', async () => {
    const gb = connect(GB_REALM);
    const body = {
      GlobalTaxCalculation: 'TaxInclusive',
      Line: [line(120, '1', { ...vat20, TaxInclusiveAmt: 120 })],
    };
    const refused = await invoice(body, gb);
    expect(fault(refused).code).toBe('6000');
    expect(fault(refused).Detail).toContain('TaxInclusiveAmt 120');
    t.sandbox.control.updateSettings({ invoice: { taxInclusiveAmountMismatch: 'recompute' } });
    const recomputed = (await invoice(body, gb)).json.Invoice;
    expect(recomputed.Line[0]).toMatchObject({ Amount: 100, SalesItemLineDetail: { TaxInclusiveAmt: 120 } });
    expect(recomputed).toMatchObject({ TotalAmt: 120, TxnTaxDetail: { TotalTax: 20 } });
  });

  it('taxes a TaxInclusive line sent with only Amount on top of it and reports its TaxInclusiveAmt', async () => {
    const gb = connect(GB_REALM);
    const response = await invoice(
      { GlobalTaxCalculation: 'TaxInclusive', Line: [line(120, '1', vat20)] },
      gb,
    );
    const inv = response.json.Invoice;
    expect(inv.Line[0]).toMatchObject({ Amount: 120, SalesItemLineDetail: { TaxInclusiveAmt: 144 } });
    expect(inv).toMatchObject({ TotalAmt: 144, TxnTaxDetail: { TotalTax: 24 } });
  });

  it('checks Qty x UnitPrice against the net Amount of a TaxInclusive line', async () => {
    const gb = connect(GB_REALM);
    const net = line(100, '1', { ...vat20, TaxInclusiveAmt: 120, Qty: 4, UnitPrice: 25 });
    expect((await invoice({ GlobalTaxCalculation: 'TaxInclusive', Line: [net] }, gb)).status).toBe(200);
    const gross = line(100, '1', { ...vat20, TaxInclusiveAmt: 120, Qty: 4, UnitPrice: 30 });
    expect(fault(await invoice({ GlobalTaxCalculation: 'TaxInclusive', Line: [gross] }, gb)).code).toBe(
      '6070',
    );
  });

  it('ignores TaxInclusiveAmt under TaxExcluded', async () => {
    const gb = connect(GB_REALM);
    const response = await invoice({ Line: [line(100, '1', { ...vat20, TaxInclusiveAmt: 100 })] }, gb);
    expect(response.json.Invoice).toMatchObject({ GlobalTaxCalculation: 'TaxExcluded', TotalAmt: 120 });
    expect(response.json.Invoice.Line[0].SalesItemLineDetail.TaxInclusiveAmt).toBeUndefined();
  });

  it('charges no tax under NotApplicable and refuses a TxnTaxDetail there (6170)', async () => {
    const gb = connect(GB_REALM);
    const plain = await invoice({ GlobalTaxCalculation: 'NotApplicable', Line: [line(100, '1', vat20)] }, gb);
    expect(plain.json.Invoice).toMatchObject({ TotalAmt: 100, TxnTaxDetail: { TotalTax: 0, TaxLine: [] } });
    const withTax = await invoice(
      {
        GlobalTaxCalculation: 'NotApplicable',
        Line: [line(100, '1', vat20)],
        TxnTaxDetail: { TotalTax: 20 },
      },
      gb,
    );
    expect(fault(withTax).code).toBe('6170');
  });

  it('honours a tax line sent for one of the lines’ rates (TaxRateRef) and records the override', async () => {
    const gb = connect(GB_REALM);
    const response = await invoice(
      {
        Line: [line(100, '1', vat20)],
        TxnTaxDetail: {
          TaxLine: [
            { DetailType: 'TaxLineDetail', Amount: 19.5, TaxLineDetail: { TaxRateRef: { value: '1' } } },
          ],
        },
      },
      gb,
    );
    expect(response.status).toBe(200);
    expect(response.json.Invoice.TxnTaxDetail).toMatchObject({
      TotalTax: 19.5,
      TaxLine: [{ Amount: 19.5, TaxLineDetail: { TaxRateRef: { value: '1' }, OverrideDeltaAmount: -0.5 } }],
    });
    expect(response.json.Invoice.TotalAmt).toBe(119.5);
  });

  it('refuses a sent tax line for a rate none of the lines uses, or the same rate twice', async () => {
    const gb = connect(GB_REALM);
    const taxLine = (rate: string) => ({ Amount: 1, TaxLineDetail: { TaxRateRef: { value: rate } } });
    const foreign = await invoice(
      { Line: [line(100, '1', vat20)], TxnTaxDetail: { TaxLine: [taxLine('2')] } },
      gb,
    );
    expect(fault(foreign).code).toBe('6000');
    const twice = await invoice(
      { Line: [line(100, '1', vat20)], TxnTaxDetail: { TaxLine: [taxLine('1'), taxLine('1')] } },
      gb,
    );
    expect(fault(twice).code).toBe('6000');
  });

  it('re-reads a stored TaxInclusive invoice unchanged on a full update that echoes it', async () => {
    const gb = connect(GB_REALM);
    const created = (
      await invoice(
        {
          GlobalTaxCalculation: 'TaxInclusive',
          Line: [line(409.09, '1', { ...vat20, TaxInclusiveAmt: 490.91 })],
        },
        gb,
      )
    ).json.Invoice;
    expect(created).toMatchObject({ TotalAmt: 490.91, TxnTaxDetail: { TotalTax: 81.82 } });
    const echoed = await gb.post('/invoice', created);
    expect(echoed.status).toBe(200);
    expect(echoed.json.Invoice).toMatchObject({ TotalAmt: 490.91, TxnTaxDetail: { TotalTax: 81.82 } });
  });
});
