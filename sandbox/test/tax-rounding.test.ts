import { describe, expect, it } from '@jest/globals';
import { CA_REALM, control, salesLine, TestClient, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox({ realmId: CA_REALM });

interface TaxLine {
  Amount: number;
  TaxLineDetail: { TaxRateRef: { value: string }; NetAmountTaxable: number; OverrideDeltaAmount?: number };
}

/** A tax code set up in the Canadian company over the control route; returns its id and its rates' ids. */
async function taxCode(name: string, rates: { name: string; percent: number }[]) {
  const response = await control(t.sandbox, 'POST', `/realms/${CA_REALM}/tax-codes`, { name, rates });
  expect(response.status).toBe(200);
  const rateIds: string[] = response.json.SalesTaxRateList.TaxRateDetail.map(
    (detail: { TaxRateRef: { value: string } }) => detail.TaxRateRef.value,
  );
  return { id: response.json.Id as string, rateIds };
}

function invoice(lines: unknown[]) {
  return t.qbo.post('/invoice', { CustomerRef: { value: '2' }, Line: lines });
}

const coded = (code: string, amount: number, detail: Record<string, unknown> = {}) =>
  salesLine(amount, '1', { TaxCodeRef: { value: code }, ...detail });

async function setTax(tax: Record<string, string>): Promise<void> {
  const response = await control(t.sandbox, 'PATCH', '/settings', { tax });
  expect(response.status).toBe(200);
}

/**
 * The Intuit community case (en-ca, "if my subtotal is 95.40 and my GST/HST is 15 % ..."): 31 lines at 1.59,
 * two of them Qty 11, are 81.09; at 12 % QuickBooks charged 9.71 (per line), not 9.73 (on the subtotal).
 */
function communityLines(code: string) {
  return Array.from({ length: 31 }, (_, index) =>
    index < 2
      ? coded(code, 17.49, { Qty: 11, UnitPrice: 1.59 })
      : coded(code, 1.59, { Qty: 1, UnitPrice: 1.59 }),
  );
}

describe('tax rounding scope (tax.roundingScope)', () => {
  it('rounds each line by default: 31 lines totalling 81.09 at 12 % give 9.71, as QuickBooks charged', async () => {
    expect(t.sandbox.control.settings().tax).toEqual({
      roundingScope: 'line',
      roundingMode: 'halfUp',
      overrideDeltaSign: 'overrideMinusComputed',
    });
    const hst = await taxCode('HST 12%', [{ name: 'HST 12', percent: 12 }]);
    const response = await invoice(communityLines(hst.id));
    expect(response.status).toBe(200);
    expect(response.json.Invoice.TxnTaxDetail).toMatchObject({
      TotalTax: 9.71,
      TaxLine: [{ Amount: 9.71, TaxLineDetail: { NetAmountTaxable: 81.09, TaxPercent: 12 } }],
    });
    expect(response.json.Invoice.TotalAmt).toBe(90.8);
  });

  it('gives the 9.73 of the subtotal under the subtotal and component scopes', async () => {
    const hst = await taxCode('HST 12%', [{ name: 'HST 12', percent: 12 }]);
    for (const roundingScope of ['subtotal', 'component']) {
      await setTax({ roundingScope });
      const detail = (await invoice(communityLines(hst.id))).json.Invoice.TxnTaxDetail;
      expect([roundingScope, detail.TotalTax]).toEqual([roundingScope, 9.73]);
    }
  });

  it('charges 448.39 QST on one 4,495.16 line in every scope, as QuickBooks did (ruckus/quickbooks-ruby#547)', async () => {
    const qst = await taxCode('QST', [{ name: 'QST', percent: 9.975 }]);
    for (const roundingScope of ['line', 'subtotal', 'component']) {
      await setTax({ roundingScope });
      const detail = (await invoice([coded(qst.id, 4495.16)])).json.Invoice.TxnTaxDetail;
      expect([roundingScope, detail.TotalTax]).toEqual([roundingScope, 448.39]);
    }
  });

  it('reaches a 448.40 like the integrator’s by rounding a split of the same amount per line', async () => {
    const qst = await taxCode('QST', [{ name: 'QST', percent: 9.975 }]);
    const split = [coded(qst.id, 4495.1), coded(qst.id, 0.06)];
    // 448.39245 -> 448.39 and 0.005985 -> 0.01 per line; 4,495.16 taxed once is 448.39.
    expect((await invoice(split)).json.Invoice.TxnTaxDetail.TotalTax).toBe(448.4);
    await setTax({ roundingScope: 'subtotal' });
    expect((await invoice(split)).json.Invoice.TxnTaxDetail.TotalTax).toBe(448.39);
  });

  it('tells line, component and subtotal apart on a two-rate code (GST 5 % + QST 9.975 %)', async () => {
    const quebec = await taxCode('GST/QST QC', [
      { name: 'GST QC', percent: 5 },
      { name: 'QST QC', percent: 9.975 },
    ]);
    const [gst, qst] = quebec.rateIds;
    const lines = [coded(quebec.id, 1.21), coded(quebec.id, 18.29)];
    const amounts = async () => {
      const detail = (await invoice(lines)).json.Invoice.TxnTaxDetail;
      const byRate = new Map(
        (detail.TaxLine as TaxLine[]).map((line) => [line.TaxLineDetail.TaxRateRef.value, line.Amount]),
      );
      return { gst: byRate.get(gst ?? ''), qst: byRate.get(qst ?? ''), total: detail.TotalTax };
    };
    // Per line: 0.06 + 0.91 GST, 0.12 + 1.82 QST.
    expect(await amounts()).toEqual({ gst: 0.97, qst: 1.94, total: 2.91 });
    // Per component: 19.50 x 5 % = 0.975 -> 0.98; 19.50 x 9.975 % = 1.945125 -> 1.95.
    await setTax({ roundingScope: 'component' });
    expect(await amounts()).toEqual({ gst: 0.98, qst: 1.95, total: 2.93 });
    // Per subtotal: 19.50 x 14.975 % = 2.920125 -> 2.92, split 5 : 9.975 -> 0.97 + 1.95.
    await setTax({ roundingScope: 'subtotal' });
    expect(await amounts()).toEqual({ gst: 0.97, qst: 1.95, total: 2.92 });
  });

  it('keeps a TaxInclusive line’s gross in every scope', async () => {
    await setTax({ roundingScope: 'subtotal' });
    const response = await t.qbo.post('/invoice', {
      CustomerRef: { value: '2' },
      GlobalTaxCalculation: 'TaxInclusive',
      Line: [coded('5', 100, { TaxInclusiveAmt: 113 }), coded('5', 0.5)],
    });
    expect(response.status).toBe(200);
    const inv = response.json.Invoice;
    // 13 + (0.50 x 13 % = 0.065 -> 0.07 on its own subtotal).
    expect(inv.TxnTaxDetail.TotalTax).toBe(13.07);
    expect(inv.Line[0].SalesItemLineDetail.TaxInclusiveAmt).toBe(113);
    expect(inv.TotalAmt).toBe(113.57);
  });
});

describe('tax rounding mode (tax.roundingMode)', () => {
  it('rounds a half cent away from zero by default and to even when set to halfEven (HST 13 % of 0.50)', async () => {
    expect((await invoice([coded('5', 0.5)])).json.Invoice.TxnTaxDetail.TotalTax).toBe(0.07);
    await setTax({ roundingMode: 'halfEven' });
    expect((await invoice([coded('5', 0.5)])).json.Invoice.TxnTaxDetail.TotalTax).toBe(0.06);
    // 0.75 x 13 % = 0.0975: not a half, the same either way.
    expect((await invoice([coded('5', 0.75)])).json.Invoice.TxnTaxDetail.TotalTax).toBe(0.1);
  });

  it('applies to US manual tax too (California 7.25 % of 2.00 = 0.145)', async () => {
    const us = TestClient.connect(t.sandbox, US_REALM);
    const body = {
      CustomerRef: { value: '1' },
      Line: [salesLine(2, '11', { TaxCodeRef: { value: 'TAX' } })],
      TxnTaxDetail: { TxnTaxCodeRef: { value: '2' } },
    };
    expect((await us.post('/invoice', body)).json.Invoice.TxnTaxDetail.TotalTax).toBe(0.15);
    await setTax({ roundingMode: 'halfEven' });
    expect((await us.post('/invoice', body)).json.Invoice.TxnTaxDetail.TotalTax).toBe(0.14);
  });

  it('rejects a value outside the setting’s type', async () => {
    const response = await control(t.sandbox, 'PATCH', '/settings', { tax: { roundingMode: 1 } });
    expect(response.status).toBe(400);
    expect(response.json.error).toBe('setting tax.roundingMode must be a string');
  });
});
