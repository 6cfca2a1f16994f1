import { describe, expect, it } from '@jest/globals';
import { CA_REALM, GB_REALM, salesLine, TestClient, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const code = (response: { json: any }) => response.json.Fault?.Error?.[0]?.code;

async function invoice(body: Record<string, unknown>, client = t.qbo, path = '/invoice') {
  return client.post(path, { CustomerRef: { value: '2' }, ...body });
}

describe('US invoice totals and tax', () => {
  it('computes totals, the subtotal line, defaults and Balance like QuickBooks', async () => {
    const response = await invoice({
      Line: [salesLine(100, '3'), salesLine(50.5, '4')],
      TxnDate: '2026-03-01',
    });
    expect(response.status).toBe(200);
    const inv = response.json.Invoice;
    expect(inv).toMatchObject({
      TotalAmt: 150.5,
      Balance: 150.5,
      SyncToken: '0',
      DocNumber: '1001',
      TxnDate: '2026-03-01',
      DueDate: '2026-03-31',
      SalesTermRef: { value: '4', name: 'Net 30' },
      EmailStatus: 'NotSet',
      PrintStatus: 'NeedToPrint',
      TxnTaxDetail: { TotalTax: 0 },
      LinkedTxn: [],
    });
    expect(inv.Line.at(-1)).toEqual({
      Amount: 150.5,
      DetailType: 'SubTotalLineDetail',
      SubTotalLineDetail: {},
    });
    expect(inv.Line[0]).toMatchObject({
      Id: '1',
      LineNum: 1,
      SalesItemLineDetail: { TaxCodeRef: { value: 'NON' } },
    });
    expect(inv.BillEmail.Address).toBe('Surf@Intuit.com');
  });

  it('taxes TAX lines with the transaction tax code and leaves NON lines untaxed', async () => {
    const response = await invoice({
      Line: [
        salesLine(200, '3', { TaxCodeRef: { value: 'TAX' } }),
        salesLine(100, '1', { TaxCodeRef: { value: 'NON' } }),
      ],
      TxnTaxDetail: { TxnTaxCodeRef: { value: '3' } },
    });
    const inv = response.json.Invoice;
    expect(inv.TxnTaxDetail.TotalTax).toBe(16.5);
    expect(inv.TxnTaxDetail.TaxLine).toHaveLength(2);
    expect(inv.TxnTaxDetail.TaxLine[0]).toMatchObject({
      Amount: 14.5,
      TaxLineDetail: { TaxRateRef: { value: '1' }, TaxPercent: 7.25, NetAmountTaxable: 200 },
    });
    expect(inv.TotalAmt).toBe(316.5);
  });

  it('honours an explicit TotalTax and spreads it over the rates', async () => {
    const response = await invoice({
      Line: [salesLine(200, '3', { TaxCodeRef: { value: 'TAX' } })],
      TxnTaxDetail: { TxnTaxCodeRef: { value: '3' }, TotalTax: 20 },
    });
    expect(response.json.Invoice.TxnTaxDetail.TotalTax).toBe(20);
    expect(response.json.Invoice.TotalAmt).toBe(220);
  });

  it('applies percent discounts', async () => {
    const response = await invoice({
      Line: [
        salesLine(200),
        { DetailType: 'DiscountLineDetail', DiscountLineDetail: { PercentBased: true, DiscountPercent: 10 } },
      ],
    });
    expect(response.json.Invoice.TotalAmt).toBe(180);
  });

  it('rejects a non-TAX/NON line code on a US invoice with 6100 naming the supplied value', async () => {
    const response = await invoice({ Line: [salesLine(10, '1', { TaxCodeRef: { value: '2' } })] });
    expect(response.status).toBe(400);
    expect(response.json.Fault.Error[0]).toMatchObject({
      code: '6100',
      Message: 'Invalid Line TaxCode in the request',
      Detail: 'Valid Line TaxCodes for US should be TAX or NON. Supplied value:2',
    });
  });

  it('requires CustomerRef and a line (2020) and an Amount on each line', async () => {
    expect(code(await t.qbo.post('/invoice', { Line: [salesLine(1)] }))).toBe('2020');
    expect(code(await invoice({ Line: [] }))).toBe('2020');
    expect(
      code(await invoice({ Line: [{ DetailType: 'SalesItemLineDetail', SalesItemLineDetail: {} }] })),
    ).toBe('2020');
  });

  it('rejects writes dated on or before the BookCloseDate with 6210', async () => {
    t.sandbox.control.setCompanyPreferences(US_REALM, { bookCloseDate: '2026-01-31' });
    expect(code(await invoice({ Line: [salesLine(10)], TxnDate: '2026-01-15' }))).toBe('6210');
    expect((await invoice({ Line: [salesLine(10)], TxnDate: '2026-02-01' })).status).toBe(200);
  });
});

describe('non-US tax', () => {
  it('requires TaxCodeRef on every line of a Canadian invoice (6000, GST/HST wording)', async () => {
    const ca = TestClient.connect(t.sandbox, CA_REALM);
    const response = await invoice({ Line: [salesLine(100)] }, ca);
    expect(code(response)).toBe('6000');
    expect(response.json.Fault.Error[0].Detail).toContain('GST/HST rate');
    const ok = await invoice({ Line: [salesLine(100, '1', { TaxCodeRef: { value: '5' } })] }, ca);
    expect(ok.json.Invoice).toMatchObject({
      TotalAmt: 113,
      GlobalTaxCalculation: 'TaxExcluded',
      TxnTaxDetail: { TotalTax: 13 },
    });
  });

  it('computes UK VAT per rate and uses the VAT wording', async () => {
    const gb = TestClient.connect(t.sandbox, GB_REALM);
    expect((await invoice({ Line: [salesLine(10)] }, gb)).json.Fault.Error[0].Detail).toContain('VAT rate');
    const ok = await invoice(
      {
        Line: [
          salesLine(100, '1', { TaxCodeRef: { value: '2' } }),
          salesLine(50, '2', { TaxCodeRef: { value: '4' } }),
        ],
      },
      gb,
    );
    expect(ok.json.Invoice.TxnTaxDetail.TotalTax).toBe(20);
    expect(ok.json.Invoice.TotalAmt).toBe(170);
  });
});

describe('payments and Balance', () => {
  it('a linked payment reduces Balance, bumps the invoice SyncToken and adds a reciprocal LinkedTxn', async () => {
    const inv = (await invoice({ Line: [salesLine(300)] })).json.Invoice;
    const payment = await t.qbo.post('/payment', {
      CustomerRef: { value: '2' },
      TotalAmt: 100,
      Line: [{ Amount: 100, LinkedTxn: [{ TxnId: inv.Id, TxnType: 'Invoice' }] }],
    });
    expect(payment.status).toBe(200);
    expect(payment.json.Payment).toMatchObject({
      UnappliedAmt: 0,
      DepositToAccountRef: { value: '4', name: 'Undeposited Funds' },
    });
    const after = (await t.qbo.get(`/invoice/${inv.Id}`)).json.Invoice;
    expect(after).toMatchObject({
      Balance: 200,
      SyncToken: '1',
      LinkedTxn: [{ TxnId: payment.json.Payment.Id, TxnType: 'Payment' }],
    });
    expect((await t.qbo.get('/customer/2')).json.Customer.Balance).toBe(200);

    const rest = await t.qbo.post('/payment', {
      CustomerRef: { value: '2' },
      TotalAmt: 250,
      Line: [{ Amount: 200, LinkedTxn: [{ TxnId: inv.Id, TxnType: 'Invoice' }] }],
    });
    expect(rest.json.Payment.UnappliedAmt).toBe(50);
    expect((await t.qbo.get(`/invoice/${inv.Id}`)).json.Invoice.Balance).toBe(0);
    expect((await t.qbo.get('/customer/2')).json.Customer.Balance).toBe(-50);
  });

  it('restores the Balance when the payment is voided or deleted', async () => {
    const inv = (await invoice({ Line: [salesLine(100)] })).json.Invoice;
    const link = { Amount: 40, LinkedTxn: [{ TxnId: inv.Id, TxnType: 'Invoice' }] };
    const pay = (await t.qbo.post('/payment', { CustomerRef: { value: '2' }, TotalAmt: 40, Line: [link] }))
      .json.Payment;
    const voided = await t.qbo.post('/payment?operation=update&include=void', {
      Id: pay.Id,
      SyncToken: pay.SyncToken,
      sparse: true,
    });
    expect(voided.json.Payment).toMatchObject({ TotalAmt: 0, PrivateNote: 'Voided' });
    expect((await t.qbo.get(`/invoice/${inv.Id}`)).json.Invoice.Balance).toBe(100);

    const pay2 = (await t.qbo.post('/payment', { CustomerRef: { value: '2' }, TotalAmt: 40, Line: [link] }))
      .json.Payment;
    expect((await t.qbo.get(`/invoice/${inv.Id}`)).json.Invoice.Balance).toBe(60);
    const deleted = await t.qbo.post('/payment?operation=delete', { Id: pay2.Id, SyncToken: pay2.SyncToken });
    expect(deleted.json.Payment).toEqual({ status: 'Deleted', domain: 'QBO', Id: pay2.Id });
    expect((await t.qbo.get(`/invoice/${inv.Id}`)).json.Invoice.Balance).toBe(100);
  });

  it('rejects linking another customer’s invoice with 620 and overpaying with 6000', async () => {
    const inv = (await invoice({ Line: [salesLine(100)] })).json.Invoice;
    const link = (amount: number) => [{ Amount: amount, LinkedTxn: [{ TxnId: inv.Id, TxnType: 'Invoice' }] }];
    expect(
      code(await t.qbo.post('/payment', { CustomerRef: { value: '3' }, TotalAmt: 10, Line: link(10) })),
    ).toBe('620');
    expect(
      code(await t.qbo.post('/payment', { CustomerRef: { value: '2' }, TotalAmt: 500, Line: link(500) })),
    ).toBe('6000');
    expect(code(await t.qbo.post('/payment', { CustomerRef: { value: '2' }, Line: link(5) }))).toBe('2020');
  });

  it('voids an invoice: amounts and Balance become 0 and the note is prefixed', async () => {
    const inv = (await invoice({ Line: [salesLine(75)], PrivateNote: 'job 42' })).json.Invoice;
    const voided = await t.qbo.post('/invoice?operation=void', { Id: inv.Id, SyncToken: inv.SyncToken });
    expect(voided.json.Invoice).toMatchObject({
      TotalAmt: 0,
      Balance: 0,
      PrivateNote: 'Voided - job 42',
      SyncToken: '1',
    });
  });

  it('deletes an invoice with Id + SyncToken, but not while payments are linked', async () => {
    const inv = (await invoice({ Line: [salesLine(80)] })).json.Invoice;
    const pay = await t.qbo.post('/payment', {
      CustomerRef: { value: '2' },
      TotalAmt: 10,
      Line: [{ Amount: 10, LinkedTxn: [{ TxnId: inv.Id, TxnType: 'Invoice' }] }],
    });
    const current = (await t.qbo.get(`/invoice/${inv.Id}`)).json.Invoice;
    expect(
      code(await t.qbo.post('/invoice?operation=delete', { Id: inv.Id, SyncToken: current.SyncToken })),
    ).toBe('6000');
    await t.qbo.post('/payment?operation=delete', { Id: pay.json.Payment.Id, SyncToken: '0' });
    const latest = (await t.qbo.get(`/invoice/${inv.Id}`)).json.Invoice;
    expect(code(await t.qbo.post('/invoice?operation=delete', { Id: inv.Id }))).toBe('2020');
    const deleted = await t.qbo.post('/invoice?operation=delete', {
      Id: inv.Id,
      SyncToken: latest.SyncToken,
    });
    expect(deleted.json.Invoice).toEqual({ status: 'Deleted', domain: 'QBO', Id: inv.Id });
    expect(code(await t.qbo.get(`/invoice/${inv.Id}`))).toBe('610');
  });

  it('sparse-updates an invoice with lines all-or-nothing and keeps line ids', async () => {
    const inv = (await invoice({ Line: [salesLine(10), salesLine(20)] })).json.Invoice;
    const updated = await t.qbo.post('/invoice', {
      Id: inv.Id,
      SyncToken: inv.SyncToken,
      sparse: true,
      Line: [{ ...salesLine(15), Id: '2' }],
    });
    expect(updated.json.Invoice.Line).toHaveLength(2);
    expect(updated.json.Invoice.Line[0]).toMatchObject({ Id: '2', Amount: 15 });
    expect(updated.json.Invoice).toMatchObject({ TotalAmt: 15, Balance: 15, DocNumber: inv.DocNumber });
  });

  it('sends an invoice by e-mail (EmailStatus, DeliveryInfo, sendTo) and serves its PDF', async () => {
    const inv = (await invoice({ Line: [salesLine(10)] })).json.Invoice;
    const sent = await t.qbo.request(
      'POST',
      `/invoice/${inv.Id}/send?sendTo=${encodeURIComponent('ap@example.com')}`,
      '',
      {
        'content-type': 'application/octet-stream',
      },
    );
    expect(sent.json.Invoice).toMatchObject({
      EmailStatus: 'EmailSent',
      BillEmail: { Address: 'ap@example.com' },
      DeliveryInfo: { DeliveryType: 'Email' },
      SyncToken: '1',
    });
    const pdf = await fetch(t.qbo.url(`/invoice/${inv.Id}/pdf`), {
      headers: { authorization: `Bearer ${t.qbo.accessToken}`, accept: 'application/pdf' },
    });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect((await pdf.text()).startsWith('%PDF-')).toBe(true);
  });

  it('caps sandbox e-mails at 40 a day per company', async () => {
    t.sandbox.control.updateSettings({ limits: { emailsPerDay: 2 } });
    const inv = (await invoice({ Line: [salesLine(10)] })).json.Invoice;
    expect((await t.qbo.post(`/invoice/${inv.Id}/send`, '')).status).toBe(200);
    expect((await t.qbo.post(`/invoice/${inv.Id}/send`, '')).status).toBe(200);
    expect(code(await t.qbo.post(`/invoice/${inv.Id}/send`, ''))).toBe('6000');
  });
});
