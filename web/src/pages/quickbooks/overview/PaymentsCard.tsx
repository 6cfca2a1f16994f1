import { Link } from 'react-router';
import { useQuery } from 'urql';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { formatCalendarDate, formatMoney } from '../../../format';
import {
  CustomerPaymentsActivityDocument,
  UnmatchedPaymentsDocument,
  type UnmatchedPaymentsQuery,
} from '../../../generated/graphql';
import { useSubscriptionEvents, useThrottled } from '../../../live';
import { MAPPING_PATH } from '../../../routes';
import { useSession } from '../../../session';
import { unmatchedHeadline, UNMATCHED_REASON_WORDS } from './words';

/** As many as the list shows; the server allows up to 200. */
const UNMATCHED_SHOWN = 50;

type Unmatched = UnmatchedPaymentsQuery['quickbooksUnmatchedPayments'][number];

/**
 * "Payments from QuickBooks": whether payments recorded in QuickBooks come back, and (admins) the QuickBooks
 * payments that pay no invoice sent from here, which nobody else would notice.
 */
export function PaymentsCard({ pullPayments, connected }: { pullPayments: boolean; connected: boolean }) {
  const { isAdmin } = useSession();
  return (
    <section className="card" aria-labelledby="payments-card-heading">
      <h2 id="payments-card-heading">Payments from QuickBooks</h2>
      <p data-testid="pull-payments" data-on={String(pullPayments)}>
        {pullPayments ? (
          <>
            <strong>On:</strong> payments recorded in QuickBooks against invoices sent from here are brought
            back, and each invoice shows what was paid.
          </>
        ) : (
          <>
            <strong>Off:</strong> payments recorded in QuickBooks are not brought back here.
          </>
        )}{' '}
        {connected ? null : 'Nothing comes back while QuickBooks is not connected. '}
        <Link to={MAPPING_PATH}>
          {isAdmin ? 'Change this in the sync settings' : 'See the sync settings'}
        </Link>
      </p>
      {isAdmin ? <UnmatchedPayments /> : null}
    </section>
  );
}

function UnmatchedPayments() {
  const { tenantId } = useSession();
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: UnmatchedPaymentsDocument,
    variables: { customerId: tenantId, first: UNMATCHED_SHOWN },
    requestPolicy: 'cache-and-network',
  });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }));
  // A payment changing on one of our invoices may have moved off or onto this list.
  useSubscriptionEvents(CustomerPaymentsActivityDocument, { customerId: tenantId }, () => refresh());

  const payments = data?.quickbooksUnmatchedPayments;
  const currency = data?.customer?.currency ?? null;
  return (
    <div data-testid="unmatched-payments">
      {error ? (
        <ErrorNotice error={error} context="The unmatched QuickBooks payments could not be read" />
      ) : null}
      {!payments && fetching ? <p className="muted">Loading the QuickBooks payments…</p> : null}
      {payments ? (
        <>
          <h3 data-testid="unmatched-headline">{unmatchedHeadline(payments.length, UNMATCHED_SHOWN)}</h3>
          {payments.length > 0 ? (
            <ul className="unmatched-payments">
              {payments.map((payment) => (
                <UnmatchedRow key={payment.quickbooksPaymentId} payment={payment} currency={currency} />
              ))}
            </ul>
          ) : null}
          <p className="muted">
            Such payments stay in QuickBooks as they are; apply them there to an invoice sent from here and
            they come back to it.{' '}
            {/* A payment that pays none of our invoices touches none of them, so no event announces it. */}
            <button type="button" className="link-button" onClick={() => refresh()} disabled={fetching}>
              Check again
            </button>
          </p>
        </>
      ) : null}
    </div>
  );
}

function UnmatchedRow({ payment, currency }: { payment: Unmatched; currency: string | null }) {
  const money = (amount: string) => (currency ? formatMoney(amount, currency) : amount);
  const unapplied = Number(payment.unappliedAmount);
  return (
    <li data-payment-id={payment.quickbooksPaymentId} data-reason={payment.reason}>
      <strong>{money(payment.totalAmount)}</strong> received {formatCalendarDate(payment.receivedOn)}
      {payment.method ? ` by ${payment.method}` : ''}
      {payment.reference ? (
        <>
          , reference <span data-testid="unmatched-reference">{payment.reference}</span>
        </>
      ) : null}
      <br />
      {UNMATCHED_REASON_WORDS[payment.reason]}
      {payment.reason === 'NOT_PUSHED_INVOICE' && payment.quickbooksInvoiceIds.length > 0
        ? ` (QuickBooks invoice ${payment.quickbooksInvoiceIds.join(', ')})`
        : ''}
      {unapplied > 0 && payment.reason !== 'UNAPPLIED'
        ? ` ${money(payment.unappliedAmount)} is unapplied.`
        : ''}
      <span className="muted"> QuickBooks payment {payment.quickbooksPaymentId}</span>
    </li>
  );
}
