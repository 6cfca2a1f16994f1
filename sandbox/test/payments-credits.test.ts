import { describe, expect, it } from '@jest/globals';
import type { ApiResponse } from './helpers.js';
import { salesLine, useSandbox } from './helpers.js';
import { useWebhookReceiver } from './webhook-receiver.js';

const t = useSandbox();

const fault = (response: ApiResponse) => response.json.Fault?.Error?.[0];
const code = (response: ApiResponse) => fault(response)?.code;

// Customer 2 (Bill's Windsurf Shop) owes nothing in the seed; 3 (Cool Cars) is "another customer".
const CUSTOMER = '2';
const CHECKING = '1';
const UNDEPOSITED_FUNDS = '4';

async function invoice(amount: number, customer = CUSTOMER) {
  const response = await t.qbo.post('/invoice', {
    CustomerRef: { value: customer },
    Line: [salesLine(amount)],
  });
  expect(response.status).toBe(200);
  return response.json.Invoice;
}

async function creditMemo(amount: number, customer = CUSTOMER, extra: Record<string, unknown> = {}) {
  const response = await t.qbo.post('/creditmemo', {
    CustomerRef: { value: customer },
    Line: [salesLine(amount)],
    ...extra,
  });
  expect(response.status).toBe(200);
  return response.json.CreditMemo;
}

const link = (amount: number, txnId: string, txnType: 'Invoice' | 'CreditMemo') => ({
  Amount: amount,
  LinkedTxn: [{ TxnId: txnId, TxnType: txnType }],
});

function payment(totalAmt: number, lines: unknown[], extra: Record<string, unknown> = {}) {
  return t.qbo.post('/payment', {
    CustomerRef: { value: CUSTOMER },
    TotalAmt: totalAmt,
    Line: lines,
    ...extra,
  });
}

const read = async (path: string) => (await t.qbo.get(path)).json;
const customerBalance = async () => (await read(`/customer/${CUSTOMER}`)).Customer.Balance;

describe('CreditMemo', () => {
  it('builds lines like an invoice; Balance and RemainingCredit start at TotalAmt; no due date', async () => {
    const inv = await invoice(10);
    const cm = await creditMemo(0, CUSTOMER, {
      Line: [salesLine(100, '3'), salesLine(50.5, '4')],
      TxnDate: '2026-03-01',
    });
    expect(cm).toMatchObject({
      CustomerRef: { value: CUSTOMER, name: "Bill's Windsurf Shop" },
      TotalAmt: 150.5,
      Balance: 150.5,
      RemainingCredit: 150.5,
      TxnDate: '2026-03-01',
      SyncToken: '0',
      // Credit memos are numbered in the same sales-form sequence as invoices.
      DocNumber: String(Number(inv.DocNumber) + 1),
    });
    expect(cm.Line.at(-1)).toMatchObject({ DetailType: 'SubTotalLineDetail', Amount: 150.5 });
    expect(cm).not.toHaveProperty('DueDate');
    expect(cm).not.toHaveProperty('Deposit');
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo).toEqual(cm);
  });

  it('an unapplied credit memo lowers Customer.Balance on create, update and delete', async () => {
    await invoice(100);
    expect(await customerBalance()).toBe(100);
    const cm = await creditMemo(30);
    expect(await customerBalance()).toBe(70);
    const updated = await t.qbo.post('/creditmemo', {
      ...cm,
      Line: [salesLine(40)],
    });
    expect(updated.json.CreditMemo).toMatchObject({
      TotalAmt: 40,
      Balance: 40,
      RemainingCredit: 40,
      SyncToken: '1',
    });
    expect(await customerBalance()).toBe(60);
    const deleted = await t.qbo.post('/creditmemo?operation=delete', { Id: cm.Id, SyncToken: '1' });
    expect(deleted.json.CreditMemo).toEqual({ status: 'Deleted', domain: 'QBO', Id: cm.Id });
    expect(await customerBalance()).toBe(100);
  });

  it('requires CustomerRef and a line (2020) and cannot be voided (Unsupported Operation)', async () => {
    expect(code(await t.qbo.post('/creditmemo', { Line: [salesLine(5)] }))).toBe('2020');
    expect(code(await t.qbo.post('/creditmemo', { CustomerRef: { value: CUSTOMER } }))).toBe('2020');
    const cm = await creditMemo(5);
    const voided = await t.qbo.post('/creditmemo?operation=void', { Id: cm.Id, SyncToken: cm.SyncToken });
    expect(voided.status).toBe(400);
    expect(fault(voided)).toMatchObject({ code: '500', Message: 'Unsupported Operation' });
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo.TotalAmt).toBe(5);
  });

  it('answers queries on its filterable fields and appears in change data capture', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const cm = await creditMemo(25);
    await creditMemo(10, '3');
    const byCustomer = await t.qbo.query(`select * from CreditMemo where CustomerRef = '${CUSTOMER}'`);
    expect(byCustomer.json.QueryResponse.CreditMemo.map((c: { Id: string }) => c.Id)).toEqual([cm.Id]);
    const byNumber = await t.qbo.query(`select * from CreditMemo where DocNumber = '${cm.DocNumber}'`);
    expect(byNumber.json.QueryResponse.CreditMemo).toHaveLength(1);
    const open = await t.qbo.query("select count(*) from CreditMemo where Balance > '0'");
    expect(open.json.QueryResponse.totalCount).toBe(2);
    const cdc = await t.qbo.get(`/cdc?entities=CreditMemo&changedSince=${encodeURIComponent(since)}`);
    expect(cdc.json.CDCResponse[0].QueryResponse[0].CreditMemo).toHaveLength(2);
  });

  it('can be e-mailed and printed like an invoice', async () => {
    const cm = await creditMemo(12);
    const sent = await t.qbo.post(`/creditmemo/${cm.Id}/send?sendTo=refunds@example.com`, '');
    expect(sent.json.CreditMemo).toMatchObject({
      EmailStatus: 'EmailSent',
      BillEmail: { Address: 'refunds@example.com' },
    });
    const pdf = await t.qbo.get(`/creditmemo/${cm.Id}/pdf`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
  });
});

describe('a Payment applying a CreditMemo', () => {
  it('a zero-total payment applies a credit memo to an invoice; every balance follows', async () => {
    const inv = await invoice(300);
    const cm = await creditMemo(300);
    expect(await customerBalance()).toBe(0);
    // Intuit's Payment reference sample: invoice 300 + credit memo 300, TotalAmt 0.
    const pay = await payment(0, [link(300, inv.Id, 'Invoice'), link(300, cm.Id, 'CreditMemo')]);
    expect(pay.status).toBe(200);
    expect(pay.json.Payment).toMatchObject({ TotalAmt: 0, UnappliedAmt: 0 });
    expect((await read(`/invoice/${inv.Id}`)).Invoice).toMatchObject({
      Balance: 0,
      SyncToken: '1',
      LinkedTxn: [{ TxnId: pay.json.Payment.Id, TxnType: 'Payment' }],
    });
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo).toMatchObject({
      Balance: 0,
      RemainingCredit: 0,
      SyncToken: '1',
      LinkedTxn: [{ TxnId: pay.json.Payment.Id, TxnType: 'Payment' }],
    });
    expect(await customerBalance()).toBe(0);
  });

  it('money and credit together: TotalAmt = invoices − credits + UnappliedAmt', async () => {
    const inv = await invoice(300);
    const cm = await creditMemo(100);
    expect(await customerBalance()).toBe(200);
    const pay = await payment(80, [link(150, inv.Id, 'Invoice'), link(100, cm.Id, 'CreditMemo')]);
    expect(pay.json.Payment).toMatchObject({ TotalAmt: 80, UnappliedAmt: 30 });
    expect((await read(`/invoice/${inv.Id}`)).Invoice.Balance).toBe(150);
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo).toMatchObject({ Balance: 0, RemainingCredit: 0 });
    // Open invoice 150, no credit left on the memo, 30 of unapplied money.
    expect(await customerBalance()).toBe(120);
  });

  it('a single line linking both the credit memo and the invoice applies the credit too', async () => {
    const inv = await invoice(100);
    const cm = await creditMemo(40);
    const pay = await payment(0, [
      {
        Amount: 40,
        LinkedTxn: [
          { TxnId: cm.Id, TxnType: 'CreditMemo' },
          { TxnId: inv.Id, TxnType: 'Invoice' },
        ],
      },
    ]);
    expect(pay.json.Payment).toMatchObject({ TotalAmt: 0, UnappliedAmt: 0 });
    expect((await read(`/invoice/${inv.Id}`)).Invoice.Balance).toBe(60);
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo.RemainingCredit).toBe(0);
    expect(await customerBalance()).toBe(60);
  });

  it('updating, voiding or deleting the payment gives the credit back', async () => {
    const inv = await invoice(300);
    const cm = await creditMemo(100);
    let pay = (await payment(0, [link(100, inv.Id, 'Invoice'), link(100, cm.Id, 'CreditMemo')])).json.Payment;

    const update = { Id: pay.Id, SyncToken: pay.SyncToken };
    pay = (await payment(0, [link(40, inv.Id, 'Invoice'), link(40, cm.Id, 'CreditMemo')], update)).json
      .Payment;
    expect(pay.SyncToken).toBe('1');
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo).toMatchObject({
      RemainingCredit: 60,
      Balance: 60,
    });
    expect((await read(`/invoice/${inv.Id}`)).Invoice.Balance).toBe(260);
    expect(await customerBalance()).toBe(200);

    const voided = await t.qbo.post('/payment?operation=update&include=void', {
      Id: pay.Id,
      SyncToken: pay.SyncToken,
      sparse: true,
    });
    // Intuit's void sample: TotalAmt 0, UnappliedAmt 0, Line [], "Voided".
    expect(voided.json.Payment).toMatchObject({
      TotalAmt: 0,
      UnappliedAmt: 0,
      Line: [],
      PrivateNote: 'Voided',
    });
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo).toMatchObject({
      RemainingCredit: 100,
      LinkedTxn: [],
    });
    expect((await read(`/invoice/${inv.Id}`)).Invoice).toMatchObject({ Balance: 300, LinkedTxn: [] });

    const again = (await payment(0, [link(100, inv.Id, 'Invoice'), link(100, cm.Id, 'CreditMemo')])).json
      .Payment;
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo.RemainingCredit).toBe(0);
    await t.qbo.post('/payment?operation=delete', { Id: again.Id, SyncToken: again.SyncToken });
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo.RemainingCredit).toBe(100);
    expect(await customerBalance()).toBe(200);
  });

  it('rejects more credit than is left (6000), credits beyond invoices (6000), another customer’s memo (620)', async () => {
    const inv = await invoice(300);
    const cm = await creditMemo(50);
    const over = await payment(0, [link(60, inv.Id, 'Invoice'), link(60, cm.Id, 'CreditMemo')]);
    expect(code(over)).toBe('6000');
    const creditOnly = await payment(0, [link(50, cm.Id, 'CreditMemo')]);
    expect(code(creditOnly)).toBe('6000');
    const other = await creditMemo(50, '3');
    expect(code(await payment(0, [link(50, inv.Id, 'Invoice'), link(50, other.Id, 'CreditMemo')]))).toBe(
      '620',
    );
    expect(code(await payment(0, [link(50, inv.Id, 'Invoice'), link(50, '99999', 'CreditMemo')]))).toBe(
      '2500',
    );
    // Other documented TxnTypes (JournalEntry, Expense, …) are not modelled by the emulator.
    expect(
      code(await payment(10, [{ Amount: 10, LinkedTxn: [{ TxnId: inv.Id, TxnType: 'JournalEntry' }] }])),
    ).toBe('2500');
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo.RemainingCredit).toBe(50);
  });
});

describe('deposited payments', () => {
  async function depositedPayment() {
    const inv = await invoice(100);
    const pay = (await payment(100, [link(100, inv.Id, 'Invoice')])).json.Payment;
    const deposit = await t.qbo.post('/deposit', {
      DepositToAccountRef: { value: CHECKING },
      Line: [{ Amount: 100, LinkedTxn: [{ TxnId: pay.Id, TxnType: 'Payment', TxnLineId: '0' }] }],
    });
    expect(deposit.status).toBe(200);
    return { inv, deposit: deposit.json.Deposit, pay: (await read(`/payment/${pay.Id}`)).Payment };
  }

  it('a Deposit links the payment, which reads back with a LinkedTxn of type Deposit', async () => {
    const { deposit, pay } = await depositedPayment();
    expect(deposit).toMatchObject({
      DepositToAccountRef: { value: CHECKING, name: 'Checking' },
      TotalAmt: 100,
      Line: [{ Amount: 100, LinkedTxn: [{ TxnId: pay.Id, TxnType: 'Payment', TxnLineId: '0' }] }],
    });
    expect(pay).toMatchObject({
      SyncToken: '1',
      DepositToAccountRef: { value: UNDEPOSITED_FUNDS },
      LinkedTxn: [{ TxnId: deposit.Id, TxnType: 'Deposit' }],
    });
  });

  it('without reciprocal LinkedTxn (`api.reciprocalLinkedTxn: false`) the payment is untouched but still locked', async () => {
    t.sandbox.control.updateSettings({ api: { reciprocalLinkedTxn: false } });
    const { pay } = await depositedPayment();
    expect(pay.SyncToken).toBe('0');
    expect(pay).not.toHaveProperty('LinkedTxn');
    expect(code(await t.qbo.post('/payment?operation=delete', { Id: pay.Id, SyncToken: '0' }))).toBe('6540');
    const inv = await invoice(50);
    const cm = await creditMemo(50);
    await payment(0, [link(50, inv.Id, 'Invoice'), link(50, cm.Id, 'CreditMemo')]);
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo).toMatchObject({
      RemainingCredit: 0,
      LinkedTxn: [],
    });
  });

  it('a deposited payment cannot be updated, voided or deleted: 6540', async () => {
    const { pay, inv } = await depositedPayment();
    const expected = {
      code: '6540',
      Message: 'Deposited Transaction cannot be changed',
      Detail:
        'This transaction has been deposited. If you want to change or delete it, you must edit the deposit it appears on and remove it first',
    };
    const sparse = await t.qbo.post('/payment', {
      Id: pay.Id,
      SyncToken: pay.SyncToken,
      sparse: true,
      PrivateNote: 'x',
    });
    expect(sparse.status).toBe(400);
    expect(fault(sparse)).toMatchObject(expected);
    expect(fault(await t.qbo.post('/payment', { ...pay, PrivateNote: 'full update' }))).toMatchObject(
      expected,
    );
    const voided = await t.qbo.post('/payment?operation=update&include=void', {
      Id: pay.Id,
      SyncToken: pay.SyncToken,
      sparse: true,
    });
    expect(fault(voided)).toMatchObject(expected);
    const deleted = await t.qbo.post('/payment?operation=delete', { Id: pay.Id, SyncToken: pay.SyncToken });
    expect(fault(deleted)).toMatchObject(expected);
    const batch = await t.qbo.post('/batch', {
      BatchItemRequest: [
        { bId: 'd', operation: 'delete', Payment: { Id: pay.Id, SyncToken: pay.SyncToken } },
      ],
    });
    expect(batch.json.BatchItemResponse[0].Fault.Error[0].code).toBe('6540');
    expect((await read(`/payment/${pay.Id}`)).Payment).toEqual(pay);
    expect((await read(`/invoice/${inv.Id}`)).Invoice.Balance).toBe(0);
  });

  it('removing the payment from its deposit (or deleting the deposit) frees it again', async () => {
    const { deposit, pay } = await depositedPayment();
    const edited = await t.qbo.post('/deposit', {
      Id: deposit.Id,
      SyncToken: deposit.SyncToken,
      DepositToAccountRef: { value: CHECKING },
      Line: [
        { Amount: 20, DetailType: 'DepositLineDetail', DepositLineDetail: { AccountRef: { value: '20' } } },
      ],
    });
    expect(edited.json.Deposit).toMatchObject({ TotalAmt: 20, SyncToken: '1' });
    const freed = (await read(`/payment/${pay.Id}`)).Payment;
    expect(freed.SyncToken).toBe('2');
    expect(freed).not.toHaveProperty('LinkedTxn');
    const updated = await t.qbo.post('/payment', {
      Id: pay.Id,
      SyncToken: '2',
      sparse: true,
      PrivateNote: 'fixed',
    });
    expect(updated.json.Payment.PrivateNote).toBe('fixed');

    const again = await t.qbo.post('/deposit', {
      DepositToAccountRef: { value: CHECKING },
      Line: [{ Amount: 100, LinkedTxn: [{ TxnId: pay.Id, TxnType: 'Payment' }] }],
    });
    expect(code(await t.qbo.post('/payment?operation=delete', { Id: pay.Id, SyncToken: '4' }))).toBe('6540');
    await t.qbo.post('/deposit?operation=delete', { Id: again.json.Deposit.Id, SyncToken: '0' });
    const deleted = await t.qbo.post('/payment?operation=delete', { Id: pay.Id, SyncToken: '5' });
    expect(deleted.json.Payment).toEqual({ status: 'Deleted', domain: 'QBO', Id: pay.Id });
  });

  it('validates deposits: bank account, lines, payments waiting in Undeposited Funds, once', async () => {
    const { pay } = await depositedPayment();
    const line = (id: string) => ({ Amount: 5, LinkedTxn: [{ TxnId: id, TxnType: 'Payment' }] });
    expect(code(await t.qbo.post('/deposit', { Line: [line(pay.Id)] }))).toBe('2020');
    expect(code(await t.qbo.post('/deposit', { DepositToAccountRef: { value: CHECKING }, Line: [] }))).toBe(
      '2020',
    );
    const intoUndeposited = await t.qbo.post('/deposit', {
      DepositToAccountRef: { value: UNDEPOSITED_FUNDS },
      Line: [line(pay.Id)],
    });
    expect(code(intoUndeposited)).toBe('6000');
    // Already in a deposit.
    expect(
      code(await t.qbo.post('/deposit', { DepositToAccountRef: { value: CHECKING }, Line: [line(pay.Id)] })),
    ).toBe('6000');
    // Received straight into the bank: nothing waits in Undeposited Funds.
    const direct = (await payment(5, [], { DepositToAccountRef: { value: CHECKING } })).json.Payment;
    expect(
      code(
        await t.qbo.post('/deposit', { DepositToAccountRef: { value: CHECKING }, Line: [line(direct.Id)] }),
      ),
    ).toBe('6000');
    // A LinkedTxn line sent with DetailType DepositLineDetail needs an AccountRef (python-quickbooks#329).
    const fresh = (await payment(5, [])).json.Payment;
    const typed = await t.qbo.post('/deposit', {
      DepositToAccountRef: { value: CHECKING },
      Line: [{ ...line(fresh.Id), DetailType: 'DepositLineDetail', DepositLineDetail: {} }],
    });
    expect(fault(typed)).toMatchObject({
      code: '2020',
      Detail: 'Required parameter Line.DepositLineDetail.AccountRef is missing in the request',
    });
    // TotalAmt is computed, whatever the client sends.
    const ok = await t.qbo.post('/deposit', {
      DepositToAccountRef: { value: CHECKING },
      TotalAmt: 999,
      Line: [
        line(fresh.Id),
        { Amount: 7.5, DetailType: 'DepositLineDetail', DepositLineDetail: { AccountRef: { value: '20' } } },
      ],
    });
    expect(ok.json.Deposit.TotalAmt).toBe(12.5);
    expect(
      code(await t.qbo.post('/deposit?operation=void', { Id: ok.json.Deposit.Id, SyncToken: '0' })),
    ).toBe('500');
  });
});

describe('voiding or deleting an invoice that payments are applied to', () => {
  it('void (default `unapply`): the payment stays, its money becomes unapplied credit, balances follow', async () => {
    const inv = await invoice(100);
    const pay = (await payment(40, [link(40, inv.Id, 'Invoice')])).json.Payment;
    expect(await customerBalance()).toBe(60);
    const voided = await t.qbo.post('/invoice?operation=void', { Id: inv.Id, SyncToken: '1' });
    expect(voided.status).toBe(200);
    expect(voided.json.Invoice).toMatchObject({
      TotalAmt: 0,
      Balance: 0,
      LinkedTxn: [],
      PrivateNote: 'Voided',
    });
    expect((await read(`/payment/${pay.Id}`)).Payment).toMatchObject({
      TotalAmt: 40,
      UnappliedAmt: 40,
      Line: [],
      SyncToken: '1',
    });
    expect(await customerBalance()).toBe(-40);
  });

  it('void: credit-memo credit that paid the invoice goes back to the credit memo', async () => {
    const inv = await invoice(100);
    const cm = await creditMemo(30);
    const zero = (await payment(0, [link(30, inv.Id, 'Invoice'), link(30, cm.Id, 'CreditMemo')])).json
      .Payment;
    const cash = (await payment(50, [link(50, inv.Id, 'Invoice')])).json.Payment;
    expect(await customerBalance()).toBe(20);
    await t.qbo.post('/invoice?operation=void', { Id: inv.Id, SyncToken: '2' });
    expect((await read(`/creditmemo/${cm.Id}`)).CreditMemo).toMatchObject({
      Balance: 30,
      RemainingCredit: 30,
    });
    expect((await read(`/payment/${zero.Id}`)).Payment).toMatchObject({
      TotalAmt: 0,
      UnappliedAmt: 0,
      Line: [],
    });
    expect((await read(`/payment/${cash.Id}`)).Payment).toMatchObject({ UnappliedAmt: 50, Line: [] });
    expect(await customerBalance()).toBe(-80);
  });

  it('void with `api.voidInvoiceWithPayments: reject`: 6000 and nothing changes', async () => {
    t.sandbox.control.updateSettings({ api: { voidInvoiceWithPayments: 'reject' } });
    const inv = await invoice(100);
    const pay = (await payment(40, [link(40, inv.Id, 'Invoice')])).json.Payment;
    expect(code(await t.qbo.post('/invoice?operation=void', { Id: inv.Id, SyncToken: '1' }))).toBe('6000');
    expect((await read(`/invoice/${inv.Id}`)).Invoice).toMatchObject({
      TotalAmt: 100,
      Balance: 60,
      SyncToken: '1',
    });
    expect((await read(`/payment/${pay.Id}`)).Payment).toMatchObject({ UnappliedAmt: 0, SyncToken: '0' });
    expect(await customerBalance()).toBe(60);
  });

  it('delete (default `reject`, as documented): 6000 until the payment is unlinked', async () => {
    const inv = await invoice(100);
    const pay = (await payment(40, [link(40, inv.Id, 'Invoice')])).json.Payment;
    expect(code(await t.qbo.post('/invoice?operation=delete', { Id: inv.Id, SyncToken: '1' }))).toBe('6000');
    const cm = await creditMemo(10);
    await payment(0, [link(10, inv.Id, 'Invoice'), link(10, cm.Id, 'CreditMemo')]);
    expect(code(await t.qbo.post('/creditmemo?operation=delete', { Id: cm.Id, SyncToken: '1' }))).toBe(
      '6000',
    );
    expect((await read(`/payment/${pay.Id}`)).Payment.SyncToken).toBe('0');
    expect(await customerBalance()).toBe(50);
  });

  it('delete with `api.deleteLinkedTransaction: unapply`: payments are unlinked and balances stay right', async () => {
    t.sandbox.control.updateSettings({ api: { deleteLinkedTransaction: 'unapply' } });
    const inv = await invoice(100);
    const pay = (await payment(40, [link(40, inv.Id, 'Invoice')])).json.Payment;
    const deleted = await t.qbo.post('/invoice?operation=delete', { Id: inv.Id, SyncToken: '1' });
    expect(deleted.json.Invoice).toEqual({ status: 'Deleted', domain: 'QBO', Id: inv.Id });
    expect((await read(`/payment/${pay.Id}`)).Payment).toMatchObject({
      UnappliedAmt: 40,
      Line: [],
      SyncToken: '1',
    });
    expect(await customerBalance()).toBe(-40);

    // A deleted credit memo takes its credit back: the invoice it paid is open again.
    const second = await invoice(70);
    const cm = await creditMemo(30);
    const zero = (await payment(0, [link(30, second.Id, 'Invoice'), link(30, cm.Id, 'CreditMemo')])).json
      .Payment;
    expect(await customerBalance()).toBe(0);
    await t.qbo.post('/creditmemo?operation=delete', { Id: cm.Id, SyncToken: '1' });
    expect((await read(`/invoice/${second.Id}`)).Invoice).toMatchObject({ Balance: 70, LinkedTxn: [] });
    expect((await read(`/payment/${zero.Id}`)).Payment).toMatchObject({
      TotalAmt: 0,
      UnappliedAmt: 0,
      Line: [],
    });
    expect(await customerBalance()).toBe(30);
  });
});

describe('change events for every entity a payment, credit or deposit touches', () => {
  const receiver = useWebhookReceiver(t);

  it('webhooks name the payment, the invoice and the credit memo it applies, and the voided invoice’s payment', async () => {
    const inv = await invoice(100);
    const cm = await creditMemo(30);
    const pay = (await payment(20, [link(50, inv.Id, 'Invoice'), link(30, cm.Id, 'CreditMemo')])).json
      .Payment;
    await t.qbo.post('/invoice?operation=void', { Id: inv.Id, SyncToken: '1' });
    expect(await t.sandbox.control.drainWebhooks()).toBe(true);
    expect(receiver.summary()).toEqual([
      `qbo.invoice.created.v1 ${inv.Id}`,
      `qbo.creditmemo.created.v1 ${cm.Id}`,
      `qbo.payment.created.v1 ${pay.Id}`,
      `qbo.invoice.updated.v1 ${inv.Id}`,
      `qbo.creditmemo.updated.v1 ${cm.Id}`,
      `qbo.invoice.voided.v1 ${inv.Id}`,
      `qbo.payment.updated.v1 ${pay.Id}`,
      `qbo.creditmemo.updated.v1 ${cm.Id}`,
    ]);
  });

  it('a deposit notifies the payments it takes and releases; CDC returns them too', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const pay = (await payment(25, [])).json.Payment;
    const deposit = (
      await t.qbo.post('/deposit', {
        DepositToAccountRef: { value: CHECKING },
        Line: [{ Amount: 25, LinkedTxn: [{ TxnId: pay.Id, TxnType: 'Payment' }] }],
      })
    ).json.Deposit;
    await t.qbo.post('/deposit?operation=delete', { Id: deposit.Id, SyncToken: '0' });
    expect(await t.sandbox.control.drainWebhooks()).toBe(true);
    expect(receiver.summary()).toEqual([
      `qbo.payment.created.v1 ${pay.Id}`,
      `qbo.deposit.created.v1 ${deposit.Id}`,
      `qbo.payment.updated.v1 ${pay.Id}`,
      `qbo.deposit.deleted.v1 ${deposit.Id}`,
      `qbo.payment.updated.v1 ${pay.Id}`,
    ]);
    const cdc = await t.qbo.get(`/cdc?entities=Deposit,Payment&changedSince=${encodeURIComponent(since)}`);
    const [deposits, payments] = cdc.json.CDCResponse[0].QueryResponse;
    expect(deposits.Deposit).toEqual([expect.objectContaining({ Id: deposit.Id, status: 'Deleted' })]);
    expect(payments.Payment).toEqual([expect.objectContaining({ Id: pay.Id, SyncToken: '2' })]);
  });
});
