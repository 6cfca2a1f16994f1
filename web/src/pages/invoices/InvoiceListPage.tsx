import { useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { useAnnounce } from '../../components/Announcer';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PaymentStatusPill, SyncStatePill } from '../../components/StatusPill';
import { formatDate, formatMoney } from '../../format';
import {
  CustomerPaymentsActivityDocument,
  InvoiceListDocument,
  InvoiceSyncActivityDocument,
} from '../../generated/graphql';
import { useSession } from '../../session';
import { syncErrorWords } from '../../sync-errors';
import { INVOICE_STATUS_LABEL } from './InvoicePage';
import { useSubscriptionEvents, useThrottled } from '../../live';
import { announcement, isErrorState, newerStatus, shownTaxDifference, type SyncStatus } from './live';
import { formatCents } from '../quickbooks/reconciliation/words';
import './invoices.css';

/**
 * The tenant's invoices with their QuickBooks state, kept current by one subscription for the whole
 * tenant: each pushed change updates its row; an invoice the list does not know yet reloads the list.
 */
export function InvoiceListPage() {
  const { tenantId } = useSession();
  const announce = useAnnounce();
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: InvoiceListDocument,
    variables: { customerId: tenantId },
    // Coming back from an invoice: show what was read before, and read it again at once.
    requestPolicy: 'cache-and-network',
  });
  const [live, setLive] = useState<ReadonlyMap<string, SyncStatus>>(new Map());
  const invoices = data?.invoices;
  const liveError = useSubscriptionEvents(InvoiceSyncActivityDocument, { customerId: tenantId }, (event) => {
    const change = event.quickbooksSyncActivity;
    setLive((previous) => {
      const next = new Map(previous);
      const newer = newerStatus(previous.get(change.invoiceId), change.status);
      if (newer) next.set(change.invoiceId, newer);
      return next;
    });
    if (invoices && !invoices.some((invoice) => invoice.id === change.invoiceId)) {
      reexecute({ requestPolicy: 'network-only' });
    }
    const text = announcement(change.invoice.number, change.status);
    if (text) announce(text);
  });
  // A payment moves an invoice's payment status: the list reads it again (throttled: a sweep may pay many).
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }));
  useSubscriptionEvents(CustomerPaymentsActivityDocument, { customerId: tenantId }, () => refresh());

  return (
    <>
      <h1>Invoices</h1>
      <p className="muted">
        Every invoice of this account with where it stands on payment and in QuickBooks. States change here as
        they happen.
      </p>
      {error ? <ErrorNotice error={error} context="The invoices could not be read" /> : null}
      {liveError ? (
        <p className="notice notice-warn">
          Live updates are unavailable; reload the page to see the latest QuickBooks states.
        </p>
      ) : null}
      {!invoices && fetching ? <p className="muted">Loading invoices…</p> : null}
      {invoices && invoices.length === 0 ? <p>There are no invoices yet.</p> : null}
      {invoices && invoices.length > 0 ? (
        <table>
          <caption className="visually-hidden">Invoices, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Status</th>
              <th scope="col">Bill to</th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col">Issue date</th>
              <th scope="col">Payment</th>
              <th scope="col">QuickBooks</th>
            </tr>
          </thead>
          <tbody>
            {invoices.map((invoice) => {
              const status = newerStatus(invoice.quickbooksSyncStatus, live.get(invoice.id));
              const taxDifference = status ? shownTaxDifference(status) : null;
              return (
                <tr key={invoice.id} data-invoice-id={invoice.id}>
                  <th scope="row">
                    <Link to={`/invoices/${invoice.id}`}>{invoice.number}</Link>
                  </th>
                  <td>{INVOICE_STATUS_LABEL[invoice.status]}</td>
                  <td>{invoice.billTo?.name ?? <span className="muted">nobody yet</span>}</td>
                  <td className="num">{formatMoney(invoice.totals.total, invoice.currency)}</td>
                  <td>{formatDate(invoice.issueDate)}</td>
                  <td data-testid="list-payment-status">
                    <PaymentStatusPill status={invoice.paymentStatus} />
                  </td>
                  <td>
                    {status ? <SyncStatePill state={status.state} /> : <span className="muted">unknown</span>}
                    {taxDifference ? (
                      <div className="muted" data-testid="list-tax-difference">
                        Tax {formatCents(taxDifference.theirsCents, invoice.currency)} in QuickBooks,{' '}
                        {formatCents(taxDifference.oursCents, invoice.currency)} billed
                      </div>
                    ) : status && isErrorState(status.state) && status.lastError ? (
                      <div className="muted">
                        {syncErrorWords(status.lastError.code, status.lastError.message).title}
                      </div>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
