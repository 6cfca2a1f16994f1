import { describe, expect, it } from '@jest/globals';
import {
  deletedPaymentFacts,
  isNewer,
  nextApplications,
  paymentFactsOf,
  undelivered,
  unmatchedReasonOf,
  type StoredApplication,
} from '../../../src/sync/payment-application.js';

const line = (amount: number, ...links: [string, string][]) => ({
  Amount: amount,
  LinkedTxn: links.map(([TxnType, TxnId]) => ({ TxnType, TxnId })),
});

describe('paymentFactsOf', () => {
  it('sums the lines per linked invoice without float drift', () => {
    const facts = paymentFactsOf({
      Id: '7',
      SyncToken: '3',
      TotalAmt: 0.3,
      TxnDate: '2026-11-30',
      PaymentRefNum: ' 1001 ',
      PaymentMethodRef: { value: '2', name: 'Check' },
      Line: [line(0.1, ['Invoice', '11']), line(0.2, ['Invoice', '11']), line(5, ['Invoice', '12'])],
    });
    expect(facts).toMatchObject({
      paymentId: '7',
      syncToken: 3,
      standing: 'APPLIED',
      txnDate: '2026-11-30',
      reference: '1001',
      method: 'Check',
      totalAmount: '0.30',
    });
    expect([...facts.invoiceAmounts]).toEqual([
      ['11', '0.30'],
      ['12', '5.00'],
    ]);
  });

  it('names credit applied through a zero payment and lists the credit memos', () => {
    const facts = paymentFactsOf({
      Id: '8',
      SyncToken: '0',
      TotalAmt: 0,
      Line: [line(25, ['Invoice', '11']), line(25, ['CreditMemo', '40'])],
    });
    expect(facts.creditMemoIds).toEqual(['40']);
    expect(facts.method).toBe('Credit memo');
    expect([...facts.invoiceAmounts]).toEqual([['11', '25.00']]);
  });

  it("reads Intuit's void (zero, no lines, 'Voided' note) as VOIDED and a bare zero as UNAPPLIED", () => {
    expect(
      paymentFactsOf({ Id: '9', SyncToken: '2', TotalAmt: 0, Line: [], PrivateNote: 'Voided' }).standing,
    ).toBe('VOIDED');
    expect(paymentFactsOf({ Id: '9', SyncToken: '2', TotalAmt: 0, Line: [] }).standing).toBe('UNAPPLIED');
    expect(paymentFactsOf({ Id: '9', SyncToken: '2', TotalAmt: 50, UnappliedAmt: 50 }).unappliedAmount).toBe(
      '50.00',
    );
  });

  it('ignores lines at zero and links of other kinds', () => {
    const facts = paymentFactsOf({
      Id: '10',
      SyncToken: '1',
      Line: [line(0, ['Invoice', '11']), line(4, ['JournalEntry', '3'])],
    });
    expect(facts.invoiceAmounts.size).toBe(0);
    expect(facts.standing).toBe('UNAPPLIED');
  });
});

describe('isNewer', () => {
  const facts = (syncToken: number) => paymentFactsOf({ Id: '1', SyncToken: String(syncToken) });
  it('takes a higher SyncToken only', () => {
    expect(isNewer(null, facts(0))).toBe(true);
    expect(isNewer({ syncToken: 2, standing: 'APPLIED' }, facts(3))).toBe(true);
    expect(isNewer({ syncToken: 2, standing: 'APPLIED' }, facts(2))).toBe(false);
    expect(isNewer({ syncToken: 2, standing: 'APPLIED' }, facts(1))).toBe(false);
  });
  it('treats a deletion as final', () => {
    expect(isNewer({ syncToken: 2, standing: 'APPLIED' }, deletedPaymentFacts('1', 2))).toBe(true);
    expect(isNewer({ syncToken: 2, standing: 'DELETED' }, facts(9))).toBe(false);
  });
});

describe('nextApplications', () => {
  const stored: StoredApplication[] = [
    { quickbooksInvoiceId: '11', invoiceId: 'a', amount: '40.00', revision: 1, deliveredRevision: 1 },
    { quickbooksInvoiceId: '12', invoiceId: 'b', amount: '10.00', revision: 1, deliveredRevision: 1 },
  ];
  const ours = new Map([
    ['11', 'a'],
    ['12', 'b'],
    ['13', 'c'],
  ]);

  it('keeps an unchanged application, zeroes a removed one and adds a new one at the new revision', () => {
    const facts = paymentFactsOf({
      Id: '1',
      SyncToken: '4',
      Line: [line(40, ['Invoice', '11']), line(7, ['Invoice', '13'])],
    });
    const next = nextApplications(stored, facts, 2, ours);
    expect(next).toEqual([
      stored[0],
      { quickbooksInvoiceId: '12', invoiceId: 'b', amount: '0.00', revision: 2, deliveredRevision: 1 },
      { quickbooksInvoiceId: '13', invoiceId: 'c', amount: '7.00', revision: 2, deliveredRevision: 0 },
    ]);
    expect(undelivered(next).map((application) => application.quickbooksInvoiceId)).toEqual(['12', '13']);
  });

  it('a payment of an invoice that is not ours is kept but never announced', () => {
    const facts = paymentFactsOf({ Id: '2', SyncToken: '0', Line: [line(5, ['Invoice', '99'])] });
    const next = nextApplications([], facts, 1, ours);
    expect(next).toEqual([
      { quickbooksInvoiceId: '99', invoiceId: null, amount: '5.00', revision: 1, deliveredRevision: 0 },
    ]);
    expect(undelivered(next)).toEqual([]);
    expect(unmatchedReasonOf(facts, next)).toBe('NOT_PUSHED_INVOICE');
  });
});

describe('unmatchedReasonOf', () => {
  it('lists a credit on account, not a voided or deleted payment, and not one that pays our invoice', () => {
    const credit = paymentFactsOf({ Id: '3', SyncToken: '0', TotalAmt: 20, UnappliedAmt: 20 });
    expect(unmatchedReasonOf(credit, [])).toBe('UNAPPLIED');
    const voided = paymentFactsOf({ Id: '3', SyncToken: '1', TotalAmt: 0, PrivateNote: 'Voided' });
    expect(unmatchedReasonOf(voided, [])).toBeNull();
    expect(unmatchedReasonOf(deletedPaymentFacts('3', 1), [])).toBeNull();
    const paying = paymentFactsOf({ Id: '4', SyncToken: '0', Line: [line(5, ['Invoice', '11'])] });
    expect(
      unmatchedReasonOf(paying, [
        { quickbooksInvoiceId: '11', invoiceId: 'a', amount: '5.00', revision: 1, deliveredRevision: 0 },
      ]),
    ).toBeNull();
  });
});
