import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { MAPPING_PATH } from '../../routes';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TaxParityPill } from '../../components/StatusPill';
import { asSentence, formatMoney } from '../../format';
import {
  InvoicePreviewDocument,
  type InvoicePreviewQuery,
  type QuickBooksPreviewCustomerResolution,
  type QuickBooksSyncState,
} from '../../generated/graphql';
import { useSession } from '../../session';
import { taxDifferenceLabel } from '../quickbooks/mapping/words';

const CUSTOMER_WORDS: Record<QuickBooksPreviewCustomerResolution, string> = {
  LINKED: 'Billed to the linked QuickBooks customer',
  PENDING: 'The QuickBooks customer is being created; the push completes it',
  UNLINKED:
    'Chosen when sending: an active QuickBooks customer with the same e-mail, else the same name, else a new one',
  NONE: 'The invoice has no bill-to customer',
};

type TaxParity = NonNullable<InvoicePreviewQuery['previewQuickBooksInvoice']>['taxParity'];

/**
 * "What would be sent": the preview, computed by the push's own code. Read again whenever the invoice's
 * version changes or its QuickBooks state settles, since a retry, a finalize or a mapping fix can change it.
 */
export function PreviewSection({
  invoiceId,
  version,
  currency,
  state,
}: {
  invoiceId: string;
  version: number;
  currency: string;
  state: QuickBooksSyncState;
}) {
  const { tenantId } = useSession();
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: InvoicePreviewDocument,
    variables: { invoiceId, customerId: tenantId },
    // A settings or mapping change made on another page changes it: read again on every visit.
    requestPolicy: 'cache-and-network',
  });
  const seen = useRef<string | null>(null);
  useEffect(() => {
    if (state === 'QUEUED' || state === 'SYNCING') return;
    const key = `${version}:${state}`;
    if (seen.current !== null && seen.current !== key) reexecute({ requestPolicy: 'network-only' });
    seen.current = key;
  }, [version, state, reexecute]);
  const preview = data?.previewQuickBooksInvoice;
  return (
    <section className="card" aria-labelledby="preview-heading">
      <h2 id="preview-heading">What would be sent</h2>
      {error ? <ErrorNotice error={error} context="The preview could not be made" /> : null}
      {!preview && fetching ? <p className="muted">Working out what would be sent…</p> : null}
      {preview ? (
        <>
          {preview.ready ? (
            <p className="notice notice-ok" data-testid="preview-ready">
              Ready: sending now would send the invoice below to QuickBooks (version {preview.invoiceVersion}
              ).
            </p>
          ) : (
            <div className="notice notice-warn" data-testid="preview-problems">
              <p>
                <strong>It cannot be sent as it stands:</strong>
              </p>
              <ul>
                {preview.problems.map((problem, index) => (
                  <li key={`${problem.code}-${index}`} data-code={problem.code}>
                    {problem.message}
                    {problem.code === 'MAPPING_MISSING' || problem.code === 'MAPPING_BROKEN' ? (
                      <>
                        {' '}
                        <Link to={MAPPING_PATH}>Map {problem.sourceKey ?? 'it'} on the mapping page</Link>
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <TaxParityFacts parity={preview.taxParity} currency={currency} />
          <h3>Customer in QuickBooks</h3>
          <p>
            {CUSTOMER_WORDS[preview.customer.resolution]}
            {preview.customer.displayName ? `: ${preview.customer.displayName}` : ''}
            {preview.customer.quickbooksCustomerId
              ? ` (QuickBooks customer ${preview.customer.quickbooksCustomerId})`
              : ''}
            .
          </p>
          {preview.decisions.length > 0 ? (
            <table className="preview-decisions">
              <caption className="visually-hidden">Choices the push would make, with the reason</caption>
              <thead>
                <tr>
                  <th scope="col">Where in QuickBooks' invoice</th>
                  <th scope="col">Why</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {preview.decisions.map((decision, index) => (
                  <tr key={`${decision.field}-${index}`}>
                    <td>
                      <code>{decision.field}</code>
                    </td>
                    <td>{decision.reason}</td>
                    <td>{decision.sourceKey ? <code>{decision.sourceKey}</code> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <details>
            <summary>The invoice as QuickBooks would receive it</summary>
            <pre data-testid="preview-payload" tabIndex={0} aria-label="QuickBooks invoice payload">
              {JSON.stringify(preview.payload, null, 2)}
            </pre>
          </details>
        </>
      ) : null}
    </section>
  );
}

/**
 * Whether QuickBooks will keep the tax the platform billed, predicted from the company's tax setup, the
 * items' taxability and the tax setting: the risk, both figures, and why.
 */
function TaxParityFacts({ parity, currency }: { parity: TaxParity; currency: string }) {
  return (
    <div data-testid="tax-parity" data-risk={parity.risk}>
      <h3>Tax in QuickBooks</h3>
      <p>
        <TaxParityPill risk={parity.risk} />
      </p>
      <dl className="facts">
        <dt>Tax billed here</dt>
        <dd data-testid="parity-platform-tax">{formatMoney(parity.platformTax, currency)}</dd>
        <dt>Tax QuickBooks is expected to hold</dt>
        <dd data-testid="parity-expected-tax">
          {parity.expectedQuickBooksTax === null
            ? "Depends on QuickBooks' own tax tables"
            : formatMoney(parity.expectedQuickBooksTax, currency)}
        </dd>
        <dt>Tax setting</dt>
        <dd>{taxDifferenceLabel(parity.policy)}</dd>
      </dl>
      {parity.reasons.length > 0 ? (
        <ul className="tax-parity-reasons">
          {parity.reasons.map((reason) => (
            <li key={reason}>{asSentence(reason)}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
