import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { useAnnounce } from '../../components/Announcer';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PaymentStatusPill } from '../../components/StatusPill';
import { formatCalendarDate, formatDateTime, formatMoney } from '../../format';
import {
  InvoicePaymentsChangedDocument,
  InvoicePaymentsDocument,
  type QuickBooksPaymentRowFragment,
} from '../../generated/graphql';
import { useSubscriptionEvents } from '../../live';
import { MAPPING_PATH } from '../../routes';
import { useSession } from '../../session';
import { newerPayments, paymentAnnouncement, readingOf, type PaymentsReading } from './payments';

/**
 * "Payments received": where the invoice stands on payment in the platform, and the QuickBooks payments that
 * pay it now. Kept live by the invoice's own payment events; each event carries the whole state, read by the
 * server as it sent the event, so it replaces the shown state instead of causing a re-read.
 */
export function PaymentsSection({ invoiceId }: { invoiceId: string }) {
  const { tenantId } = useSession();
  const announce = useAnnounce();
  const [{ data, error, fetching }] = useQuery({
    query: InvoicePaymentsDocument,
    variables: { invoiceId },
    requestPolicy: 'cache-and-network',
  });
  const [live, setLive] = useState<PaymentsReading | null>(null);
  // The state last taken from an event, ahead of the render: two events in one frame compare in order.
  const lastEvent = useRef<PaymentsReading | null>(null);
  const shown = newerPayments(data?.invoice ?? null, live);

  const liveError = useSubscriptionEvents(
    InvoicePaymentsChangedDocument,
    { customerId: tenantId, invoiceId },
    ({ quickbooksInvoicePaymentsChanged: change }) => {
      const reading = readingOf(change);
      const before = newerPayments(shown, lastEvent.current);
      const after = newerPayments(before, reading);
      lastEvent.current = after;
      setLive((previous) => newerPayments(previous, reading));
      const text = after === reading ? paymentAnnouncement(before, after) : null;
      if (text) announce(text);
    },
  );

  return (
    <section className="card" aria-labelledby="payments-heading" data-testid="payments-section">
      <h2 id="payments-heading">Payments received</h2>
      {error ? <ErrorNotice error={error} context="The payments of this invoice could not be read" /> : null}
      {liveError ? (
        <p className="notice notice-warn">
          Live payment updates are unavailable; reload the page to see payments recorded since.
        </p>
      ) : null}
      {shown ? (
        <PaymentsBody invoice={shown} />
      ) : fetching ? (
        <p className="muted">Loading the payments…</p>
      ) : null}
    </section>
  );
}

function PaymentsBody({ invoice }: { invoice: PaymentsReading }) {
  const money = (amount: string) => formatMoney(amount, invoice.currency);
  const balance = invoice.quickbooksBalance;
  return (
    <>
      <dl className="facts">
        <dt>Status</dt>
        <dd data-testid="payment-status">
          <PaymentStatusPill status={invoice.paymentStatus} />
        </dd>
        <dt>Paid</dt>
        <dd data-testid="amount-paid">
          {money(invoice.amountPaid)} <span className="muted">of {money(invoice.totals.total)}</span>
        </dd>
        <dt>Balance</dt>
        <dd data-testid="payment-balance">{money(invoice.balance)}</dd>
        {balance ? (
          <>
            <dt>QuickBooks balance</dt>
            <dd data-testid="quickbooks-balance">
              {money(balance.balance)}{' '}
              <span className="muted">(as QuickBooks had it {formatDateTime(balance.readAt)})</span>
            </dd>
          </>
        ) : null}
      </dl>
      <h3>Payments recorded in QuickBooks</h3>
      <QuickBooksPayments payments={invoice.quickbooksPayments} number={invoice.number} money={money} />
    </>
  );
}

function QuickBooksPayments({
  payments,
  number,
  money,
}: {
  payments: readonly QuickBooksPaymentRowFragment[] | null;
  number: string;
  money: (amount: string) => string;
}) {
  if (payments === null) {
    return <p className="muted">The QuickBooks payments of this invoice could not be read.</p>;
  }
  if (payments.length === 0) {
    return (
      <p className="muted" data-testid="no-quickbooks-payments">
        No payment recorded in QuickBooks pays this invoice yet. Payments come back here by themselves while{' '}
        <Link to={MAPPING_PATH}>pull payments</Link> is on.
      </p>
    );
  }
  return (
    <table data-testid="quickbooks-payments">
      <caption className="visually-hidden">Payments recorded in QuickBooks for invoice {number}</caption>
      <thead>
        <tr>
          <th scope="col">Received</th>
          <th scope="col">Method</th>
          <th scope="col">Reference</th>
          <th scope="col" className="num">
            Amount
          </th>
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        {payments.map((payment) => (
          <tr key={payment.quickbooksPaymentId} data-payment-id={payment.quickbooksPaymentId}>
            <td>{formatCalendarDate(payment.receivedOn)}</td>
            <td>{payment.method ?? '—'}</td>
            <td>{payment.reference ?? '—'}</td>
            <td className="num">{money(payment.amount)}</td>
            <td>{paymentNote(payment, money)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function paymentNote(payment: QuickBooksPaymentRowFragment, money: (amount: string) => string): string {
  const notes: string[] = [];
  if (payment.creditMemoApplied) notes.push('Credit memo');
  if (Number(payment.totalAmount) !== Number(payment.amount)) {
    notes.push(`Part of a ${money(payment.totalAmount)} payment`);
  }
  if (payment.standing === 'VOIDED') notes.push('Voided in QuickBooks');
  if (payment.standing === 'DELETED') notes.push('Deleted in QuickBooks');
  return notes.length > 0 ? notes.join('; ') : '—';
}
