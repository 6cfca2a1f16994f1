import { describe, expect, it } from '@jest/globals';
import { control, salesLine, US_REALM, useSandbox } from './helpers.js';
import { useWebhookReceiver } from './webhook-receiver.js';

const t = useSandbox();
const receiver = useWebhookReceiver(t);

/** Customer 1 (taxable) with one taxable line under California 7.25 % (code 2): 100 -> 107.25. */
async function taxedInvoice(amount = 100) {
  const response = await t.qbo.post('/invoice', {
    CustomerRef: { value: '1' },
    Line: [salesLine(amount, '11', { TaxCodeRef: { value: 'TAX' } })],
    TxnTaxDetail: { TxnTaxCodeRef: { value: '2' } },
  });
  expect(response.status).toBe(200);
  return response.json.Invoice;
}

async function pay(invoiceId: string, amount: number) {
  const response = await t.qbo.post('/payment', {
    CustomerRef: { value: '1' },
    TotalAmt: amount,
    Line: [{ Amount: amount, LinkedTxn: [{ TxnId: invoiceId, TxnType: 'Invoice' }] }],
  });
  expect(response.status).toBe(200);
  return response.json.Payment;
}

function adminEdit(invoiceId: string, body: Record<string, unknown>) {
  return control(t.sandbox, 'POST', `/realms/${US_REALM}/invoices/${invoiceId}/admin-edit`, body);
}

const customerBalance = async () => (await t.qbo.get('/customer/1')).json.Customer.Balance as number;

function cdc(changedSince: string) {
  return t.qbo.get(`/cdc?entities=Invoice&changedSince=${encodeURIComponent(changedSince)}`);
}

describe('editing an invoice "in QuickBooks" (admin edit control)', () => {
  it('recomputes tax, TotalAmt and Balance less the payment applied, and moves Customer.Balance', async () => {
    t.sandbox.control.setClock('2026-03-02T15:00:00Z');
    const invoice = await taxedInvoice();
    await pay(invoice.Id, 50);
    const owedBefore = await customerBalance();
    t.sandbox.control.advanceClock(60_000);
    const response = await adminEdit(invoice.Id, {
      Line: [salesLine(200, '11', { TaxCodeRef: { value: 'TAX' } })],
    });
    expect(response.status).toBe(200);
    const edited = response.json;
    expect(edited.TxnTaxDetail).toMatchObject({ TxnTaxCodeRef: { value: '2' }, TotalTax: 14.5 });
    expect(edited.TotalAmt).toBe(214.5);
    expect(edited.Balance).toBe(164.5);
    // Created 0, the payment's link made 1, the edit 2.
    expect(edited.SyncToken).toBe('2');
    expect(edited.MetaData.LastUpdatedTime).not.toBe(invoice.MetaData.LastUpdatedTime);
    expect(await customerBalance()).toBe(owedBefore + 107.25);
    const read = (await t.qbo.get(`/invoice/${invoice.Id}`)).json.Invoice;
    expect(read).toMatchObject({ TotalAmt: 214.5, Balance: 164.5, SyncToken: '2' });
    expect(read.LinkedTxn).toEqual([{ TxnId: expect.any(String), TxnType: 'Payment' }]);
  });

  it('makes the product’s next write with the old SyncToken a 5010, like any edit in QuickBooks', async () => {
    const invoice = await taxedInvoice();
    await adminEdit(invoice.Id, { CustomerMemo: { value: 'Edited by the bookkeeper' } });
    const stale = await t.qbo.post('/invoice', {
      Id: invoice.Id,
      SyncToken: invoice.SyncToken,
      sparse: true,
      PrivateNote: 'from the platform',
    });
    expect(stale.json.Fault.Error[0].code).toBe('5010');
  });

  it('emits the Update to CDC and to the webhook endpoint', async () => {
    t.sandbox.control.setClock('2026-03-02T15:00:00Z');
    const invoice = await taxedInvoice();
    await t.sandbox.control.drainWebhooks();
    receiver.clear();
    t.sandbox.control.advanceClock(60_000);
    const since = '2026-03-02T15:00:30Z';
    expect((await cdc(since)).json.CDCResponse[0].QueryResponse[0].Invoice).toBeUndefined();
    await adminEdit(invoice.Id, { TxnDate: '2026-03-01', DueDate: '2026-03-31' });
    const changed = (await cdc(since)).json.CDCResponse[0].QueryResponse[0].Invoice;
    expect(changed.map((i: { Id: string; TxnDate: string }) => [i.Id, i.TxnDate])).toEqual([
      [invoice.Id, '2026-03-01'],
    ]);
    expect(await t.sandbox.control.drainWebhooks()).toBe(true);
    expect(receiver.summary()).toEqual([`qbo.invoice.updated.v1 ${invoice.Id}`]);
  });

  it('changes the tax code, and keeps an overridden tax while only the memo changes', async () => {
    const invoice = await taxedInvoice();
    // San Pablo (code 3): 7.25 % + 1 %.
    const recoded = (await adminEdit(invoice.Id, { TxnTaxDetail: { TxnTaxCodeRef: { value: '3' } } })).json;
    expect(recoded.TxnTaxDetail).toMatchObject({ TxnTaxCodeRef: { value: '3' }, TotalTax: 8.25 });
    expect(recoded.TotalAmt).toBe(108.25);
    const overridden = (
      await adminEdit(invoice.Id, { TxnTaxDetail: { TxnTaxCodeRef: { value: '3' }, TotalTax: 9 } })
    ).json;
    expect(overridden.TxnTaxDetail.TotalTax).toBe(9);
    expect(overridden.TxnTaxDetail.TaxLine[0].TaxLineDetail.OverrideDeltaAmount).toBeDefined();
    const memo = (await adminEdit(invoice.Id, { CustomerMemo: { value: 'Thanks!' } })).json;
    expect(memo.CustomerMemo).toEqual({ value: 'Thanks!' });
    expect(memo.TxnTaxDetail.TotalTax).toBe(9);
    expect(memo.TotalAmt).toBe(109);
    // A TxnTaxDetail without an amount lets QuickBooks compute the tax again.
    const recomputed = (await adminEdit(invoice.Id, { TxnTaxDetail: { TxnTaxCodeRef: { value: '3' } } }))
      .json;
    expect(recomputed.TxnTaxDetail.TotalTax).toBe(8.25);
  });

  it('refuses a total below the payments applied, and a closed period, with Intuit’s code', async () => {
    const invoice = await taxedInvoice();
    await pay(invoice.Id, 100);
    const below = await adminEdit(invoice.Id, {
      Line: [salesLine(50, '11', { TaxCodeRef: { value: 'TAX' } })],
    });
    expect(below.status).toBe(400);
    expect(below.json.code).toBe('6000');
    t.sandbox.control.setCompanyPreferences(US_REALM, { bookCloseDate: '2999-12-31' });
    const closed = await adminEdit(invoice.Id, { CustomerMemo: { value: 'late' } });
    expect(closed.status).toBe(400);
    expect(closed.json.code).toBe('6210');
    // Neither refusal changed it: still the SyncToken the payment's link gave it.
    expect((await t.qbo.get(`/invoice/${invoice.Id}`)).json.Invoice.SyncToken).toBe('1');
  });

  it('refuses fields that are not on the invoice form, and an unknown invoice', async () => {
    const invoice = await taxedInvoice();
    const managed = await adminEdit(invoice.Id, { TotalAmt: 1 });
    expect(managed.status).toBe(400);
    expect(() => t.sandbox.control.adminEditInvoice(US_REALM, invoice.Id, { Balance: 0 })).toThrow(
      'not an invoice form field: Balance',
    );
    expect((await adminEdit('99999', { CustomerMemo: { value: 'x' } })).status).toBe(400);
    expect((await adminEdit(invoice.Id, { action: 'void', PrivateNote: 'x' })).status).toBe(400);
  });

  it('voids as the UI does: the payment becomes unapplied credit, and the webhook says Void', async () => {
    const invoice = await taxedInvoice();
    const payment = await pay(invoice.Id, 50);
    await t.sandbox.control.drainWebhooks();
    receiver.clear();
    const voided = await adminEdit(invoice.Id, { action: 'void' });
    expect(voided.status).toBe(200);
    expect(voided.json).toMatchObject({ TotalAmt: 0, Balance: 0, PrivateNote: 'Voided' });
    const unapplied = (await t.qbo.get(`/payment/${payment.Id}`)).json.Payment;
    expect(unapplied.UnappliedAmt).toBe(50);
    await t.sandbox.control.drainWebhooks();
    expect(receiver.summary()).toEqual(
      expect.arrayContaining([`qbo.invoice.voided.v1 ${invoice.Id}`, `qbo.payment.updated.v1 ${payment.Id}`]),
    );
  });

  it('deletes as the UI does, even with a payment applied: the invoice answers CDC as Deleted', async () => {
    t.sandbox.control.setClock('2026-03-02T15:00:00Z');
    const invoice = await taxedInvoice();
    await pay(invoice.Id, 20);
    t.sandbox.control.advanceClock(60_000);
    const deleted = await adminEdit(invoice.Id, { action: 'delete' });
    expect(deleted.json).toEqual({ status: 'Deleted', domain: 'QBO', Id: invoice.Id });
    expect((await t.qbo.get(`/invoice/${invoice.Id}`)).status).toBe(400);
    const rows = (await cdc('2026-03-02T15:00:30Z')).json.CDCResponse[0].QueryResponse[0].Invoice;
    expect(rows).toEqual([expect.objectContaining({ Id: invoice.Id, status: 'Deleted' })]);
    await t.sandbox.control.drainWebhooks();
    expect(receiver.summary()).toContain(`qbo.invoice.deleted.v1 ${invoice.Id}`);
  });
});
