import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { syncLogOf } from '../../routes';
import { useAnnounce } from '../../components/Announcer';
import { ErrorNotice } from '../../components/ErrorNotice';
import { SyncStatePill } from '../../components/StatusPill';
import { formatDate, formatDateTime, formatMoney } from '../../format';
import {
  FinalizeInvoiceDocument,
  InvoiceDetailDocument,
  InvoiceSyncStatusChangedDocument,
  RetryQuickBooksSyncDocument,
  type InvoiceDetailQuery,
  type InvoiceStatus,
} from '../../generated/graphql';
import { useSession } from '../../session';
import { useSubscriptionEvents } from '../../live';
import { announcement, isErrorState, newerStatus, shownTaxDifference, type SyncStatus } from './live';
import { PaymentsSection } from './PaymentsSection';
import { PreviewSection } from './PreviewSection';
import { SyncErrorBanner } from './SyncErrorBanner';
import { TaxDifferenceBanner } from './TaxDifferenceBanner';
import './invoices.css';

export const INVOICE_STATUS_LABEL: Record<InvoiceStatus, string> = {
  DRAFT: 'Draft',
  FINALIZED: 'Finalized',
  VOID: 'Void',
};

const KIND_LABEL: Record<string, string> = {
  SERVICE: 'Service',
  MATERIAL: 'Material',
  LABOR: 'Labor',
  FEE: 'Fee',
};

export function InvoicePage() {
  const { invoiceId = '' } = useParams();
  // A fresh view per invoice: live state and notices never leak from one invoice to the next.
  return <InvoiceView key={invoiceId} invoiceId={invoiceId} />;
}

type Invoice = NonNullable<InvoiceDetailQuery['invoice']>;

function InvoiceView({ invoiceId }: { invoiceId: string }) {
  const [{ data, error, fetching }] = useQuery({
    query: InvoiceDetailDocument,
    variables: { invoiceId },
    // Coming back from another page (the settings, the sync log): show what was read before, and read it
    // again at once, since the live events of the time away were not seen.
    requestPolicy: 'cache-and-network',
  });
  const announce = useAnnounce();
  const [live, setLive] = useState<SyncStatus | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const liveError = useSubscriptionEvents(InvoiceSyncStatusChangedDocument, { invoiceId }, (event) => {
    const change = event.quickbooksSyncStatusChanged;
    setLive((previous) => newerStatus(previous, change.status));
    const text = announcement(change.invoice.number, change.status);
    if (text) announce(text);
  });

  const invoice = data?.invoice;
  if (!invoice) {
    if (error) {
      return (
        <>
          <h1>Invoice</h1>
          <ErrorNotice error={error} context="The invoice could not be read" />
        </>
      );
    }
    if (fetching || !data) return <p className="muted">Loading the invoice…</p>;
    return (
      <>
        <h1>Invoice not found</h1>
        <p>
          This invoice does not exist or belongs to another account. <Link to="/invoices">All invoices</Link>
        </p>
      </>
    );
  }

  const status = newerStatus(invoice.quickbooksSyncStatus, live);
  const taxDifference = status ? shownTaxDifference(status) : null;
  const onDone = (next: SyncStatus, message: string) => {
    setLive((previous) => newerStatus(previous, next));
    setDone(message);
    announce(message);
  };

  return (
    <>
      <p className="breadcrumb">
        <Link to="/invoices">Invoices</Link>
      </p>
      <h1>Invoice {invoice.number}</h1>
      {status && taxDifference ? (
        // The STOP setting's hold is this difference: one banner, with the tax's own way out.
        <TaxDifferenceBanner
          invoiceId={invoice.id}
          invoiceNumber={invoice.number}
          currency={invoice.currency}
          status={status}
          difference={taxDifference}
          onDone={onDone}
        />
      ) : status && isErrorState(status.state) ? (
        <SyncErrorBanner
          invoiceId={invoice.id}
          invoiceNumber={invoice.number}
          status={status}
          onDone={onDone}
        />
      ) : null}
      {done ? (
        <p className="notice notice-ok" role="status">
          {done}
        </p>
      ) : null}
      {liveError ? (
        <p className="notice notice-warn">
          Live updates are unavailable; reload the page to see the latest QuickBooks state.
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} context="Part of the invoice could not be read" /> : null}
      <InvoiceDetails invoice={invoice} onDone={(message) => setDone(message)} />
      <InvoiceLines invoice={invoice} />
      <QuickBooksSection invoice={invoice} status={status} onDone={onDone} />
      <PaymentsSection invoiceId={invoice.id} />
      <PreviewSection
        invoiceId={invoice.id}
        version={invoice.version}
        currency={invoice.currency}
        state={status?.state ?? 'NOT_SYNCED'}
      />
    </>
  );
}

function InvoiceDetails({ invoice, onDone }: { invoice: Invoice; onDone: (message: string) => void }) {
  const { isAdmin } = useSession();
  const announce = useAnnounce();
  const [finalize, executeFinalize] = useMutation(FinalizeInvoiceDocument);
  async function onFinalize() {
    const result = await executeFinalize({ id: invoice.id });
    if (result.data) {
      const message = `Invoice ${invoice.number} is finalized. It goes to QuickBooks within a few seconds.`;
      onDone(message);
      announce(message);
    }
  }
  return (
    <section className="card" aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd data-testid="invoice-status">{INVOICE_STATUS_LABEL[invoice.status]}</dd>
        <dt>Bill to</dt>
        <dd>
          {invoice.billTo ? (
            <>
              {invoice.billTo.name}
              {invoice.billTo.email ? <span className="muted"> ({invoice.billTo.email})</span> : null}
            </>
          ) : (
            <span className="muted">nobody yet</span>
          )}
        </dd>
        <dt>Issue date</dt>
        <dd>{formatDate(invoice.issueDate)}</dd>
        <dt>Due date</dt>
        <dd>{formatDate(invoice.dueDate)}</dd>
        {invoice.finalizedAt ? (
          <>
            <dt>Finalized</dt>
            <dd>{formatDateTime(invoice.finalizedAt)}</dd>
          </>
        ) : null}
        {invoice.memo ? (
          <>
            <dt>Memo</dt>
            <dd>{invoice.memo}</dd>
          </>
        ) : null}
      </dl>
      {invoice.status === 'DRAFT' && isAdmin ? (
        <p>
          <button type="button" onClick={() => void onFinalize()} disabled={finalize.fetching}>
            {finalize.fetching ? 'Finalizing…' : 'Finalize'}
          </button>{' '}
          <span className="muted">Finalizing issues the invoice and sends it to QuickBooks.</span>
        </p>
      ) : null}
      {finalize.error ? <ErrorNotice error={finalize.error} context="The invoice was not finalized" /> : null}
    </section>
  );
}

function InvoiceLines({ invoice }: { invoice: Invoice }) {
  const money = (amount: string) => formatMoney(amount, invoice.currency);
  return (
    <section className="card" aria-labelledby="lines-heading">
      <h2 id="lines-heading">Lines</h2>
      <table>
        <caption className="visually-hidden">Lines of invoice {invoice.number}</caption>
        <thead>
          <tr>
            <th scope="col">Description</th>
            <th scope="col">Kind</th>
            <th scope="col">Service code</th>
            <th scope="col" className="num">
              Quantity
            </th>
            <th scope="col" className="num">
              Unit price
            </th>
            <th scope="col" className="num">
              Tax rate
            </th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {invoice.lines.map((line) => (
            <tr key={line.id}>
              <td>{line.description}</td>
              <td>{KIND_LABEL[line.itemKind] ?? line.itemKind}</td>
              <td>{line.serviceCode ?? '—'}</td>
              <td className="num">{line.quantity}</td>
              <td className="num">{money(line.unitPrice)}</td>
              <td className="num">{line.taxRate} %</td>
              <td className="num">{money(line.amount)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="facts totals">
        <dt>Subtotal</dt>
        <dd>{money(invoice.totals.subtotal)}</dd>
        <dt>Tax</dt>
        <dd>{money(invoice.totals.tax)}</dd>
        <dt>Total</dt>
        <dd>
          <strong>{money(invoice.totals.total)}</strong>
        </dd>
      </dl>
    </section>
  );
}

function QuickBooksSection({
  invoice,
  status,
  onDone,
}: {
  invoice: Invoice;
  status: SyncStatus | null;
  onDone: (status: SyncStatus, message: string) => void;
}) {
  const { isAdmin, tenantId } = useSession();
  const [syncNow, executeSyncNow] = useMutation(RetryQuickBooksSyncDocument);
  async function onSyncNow() {
    const result = await executeSyncNow({ customerId: tenantId, invoiceId: invoice.id });
    if (result.data) {
      onDone(result.data.retryQuickBooksSync, `Invoice ${invoice.number} is being sent to QuickBooks.`);
    }
  }
  return (
    <section className="card" aria-labelledby="quickbooks-heading">
      <h2 id="quickbooks-heading">QuickBooks</h2>
      {status ? (
        <dl className="facts">
          <dt>State</dt>
          <dd data-testid="invoice-sync-pill">
            <SyncStatePill state={status.state} />
          </dd>
          {status.quickbooksDocNumber ? (
            <>
              <dt>QuickBooks number</dt>
              <dd data-testid="quickbooks-doc-number">{status.quickbooksDocNumber}</dd>
            </>
          ) : null}
          {status.quickbooksUrl ? (
            <>
              <dt>In QuickBooks</dt>
              <dd>
                <a href={status.quickbooksUrl} target="_blank" rel="noreferrer">
                  Open in QuickBooks<span className="visually-hidden"> (opens in a new tab)</span>
                </a>
              </dd>
            </>
          ) : null}
          <dt>Last attempt</dt>
          <dd>{formatDateTime(status.lastAttemptAt)}</dd>
          <dt>Last synced</dt>
          <dd>{formatDateTime(status.lastSyncedAt)}</dd>
          <dt>Attempts</dt>
          <dd>{status.attempts}</dd>
        </dl>
      ) : (
        <p className="muted">The QuickBooks state of this invoice could not be read.</p>
      )}
      {invoice.status === 'DRAFT' ? (
        <p className="muted">Drafts stay out of QuickBooks; the invoice is sent once it is finalized.</p>
      ) : null}
      {isAdmin && invoice.status === 'FINALIZED' && status?.state === 'NOT_SYNCED' ? (
        <p>
          <button type="button" onClick={() => void onSyncNow()} disabled={syncNow.fetching}>
            {syncNow.fetching ? 'Sending…' : 'Sync now'}
          </button>
        </p>
      ) : null}
      {syncNow.error ? <ErrorNotice error={syncNow.error} context="Sync now failed" /> : null}
      <p>
        <Link to={syncLogOf(invoice.id)}>This invoice's attempts in the sync log</Link>
      </p>
    </section>
  );
}
