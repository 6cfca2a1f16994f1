import { Link } from 'react-router';
import { SyncStatePill } from '../../../components/StatusPill';
import { formatDateTime } from '../../../format';
import type {
  QuickBooksSyncAttemptOutcome,
  QuickBooksSyncEntityType,
  QuickBooksSyncOperation,
  QuickBooksSyncState,
  SyncLogPageQuery,
} from '../../../generated/graphql';
import { useSession } from '../../../session';
import { syncErrorWords } from '../../../sync-errors';
import { isErrorState, type SyncStatus } from '../../invoices/live';
import { SyncErrorActions } from '../../invoices/SyncErrorActions';

export type SyncLogNode = NonNullable<SyncLogPageQuery['quickbooksSyncLog']>['edges'][number]['node'];

export const OUTCOME_LABEL: Record<QuickBooksSyncAttemptOutcome, string> = {
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  STARTED: 'Started, no outcome yet',
};

export const ENTITY_LABEL: Record<QuickBooksSyncEntityType, string> = {
  INVOICE: 'Invoice',
  QUICKBOOKS_CUSTOMER: 'QuickBooks customer',
  PAYMENT: 'Payment',
};

const OPERATION_LABEL: Record<QuickBooksSyncOperation, string> = {
  INVOICE_PUSH: 'Invoice sent',
  QUICKBOOKS_CUSTOMER_UPSERT: 'Customer found or created',
  PAYMENT_MATCH: 'Payment matched',
};

/** What started an attempt (free text on the server; these are the ones it writes today). */
const TRIGGER_LABEL: Record<string, string> = {
  NOTIFIED: 'after a change in the platform',
  RETRY_REQUESTED: 'on a retry',
  RECONCILED: 'by the check for stranded invoices',
  BACKFILL: 'by the sync of existing invoices',
};

export interface InvoiceFacts {
  number: string;
  state: QuickBooksSyncState | null;
}

/**
 * One row per attempt. Invoice rows link to the invoice and show where it stands now; the newest failed
 * row of an invoice that is still in error carries Retry and Dismiss (admins).
 */
export function SyncLogTable({
  nodes,
  invoices,
  onDone,
}: {
  nodes: readonly SyncLogNode[];
  invoices: ReadonlyMap<string, InvoiceFacts>;
  onDone: (invoiceId: string, status: SyncStatus, message: string) => void;
}) {
  const { isAdmin } = useSession();
  const withActions = new Set<string>();
  const seen = new Set<string>();
  for (const node of nodes) {
    if (node.entityType !== 'INVOICE' || seen.has(node.entityId)) continue;
    if (node.outcome === 'FAILED') {
      seen.add(node.entityId);
      if (isErrorState(invoices.get(node.entityId)?.state)) withActions.add(node.id);
    }
  }
  return (
    <table className="sync-log">
      <caption className="visually-hidden">Sync attempts, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">What</th>
          <th scope="col">Operation</th>
          <th scope="col">Outcome</th>
          <th scope="col" className="num">
            Attempt
          </th>
          <th scope="col" className="num">
            Duration
          </th>
          <th scope="col">QuickBooks' answer</th>
          <th scope="col">Invoice now</th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((node) => {
          const invoice = node.entityType === 'INVOICE' ? invoices.get(node.entityId) : undefined;
          const number = invoice?.number ?? node.entityId;
          return (
            <tr key={node.id} data-entry-id={node.id} data-outcome={node.outcome}>
              <td>{formatDateTime(node.createdAt)}</td>
              <td>
                {node.entityType === 'INVOICE' ? (
                  <Link to={`/invoices/${node.entityId}`}>
                    {invoice ? `Invoice ${invoice.number}` : `Invoice ${node.entityId}`}
                  </Link>
                ) : (
                  <>
                    {ENTITY_LABEL[node.entityType]} <code>{node.entityId}</code>
                  </>
                )}
                {node.quickbooksId ? <div className="muted">QuickBooks id {node.quickbooksId}</div> : null}
              </td>
              <td>
                {OPERATION_LABEL[node.operation]}
                {node.trigger ? (
                  <div className="muted">{TRIGGER_LABEL[node.trigger] ?? node.trigger.toLowerCase()}</div>
                ) : null}
              </td>
              <td data-testid="log-outcome">{OUTCOME_LABEL[node.outcome]}</td>
              <td className="num">{node.attempt}</td>
              <td className="num">{node.durationMs != null ? `${node.durationMs} ms` : '—'}</td>
              <td className="log-error">
                {node.error ? (
                  <>
                    <strong>{syncErrorWords(node.error.code, node.error.message).title}</strong>
                    {node.error.detail ? <div>Intuit: {node.error.detail}</div> : null}
                    <details>
                      <summary>Full message</summary>
                      <code>{node.error.code}</code> {node.error.message}
                    </details>
                  </>
                ) : node.outcome === 'SUCCEEDED' ? (
                  'OK'
                ) : (
                  '—'
                )}
                {(node.intuitTid ?? node.error?.intuitTid) ? (
                  <div className="log-tid">
                    intuit_tid <code data-testid="intuit-tid">{node.intuitTid ?? node.error?.intuitTid}</code>
                  </div>
                ) : null}
              </td>
              <td>
                {invoice?.state ? <SyncStatePill state={invoice.state} /> : null}
                {isAdmin && withActions.has(node.id) ? (
                  <SyncErrorActions
                    invoiceId={node.entityId}
                    invoiceNumber={number}
                    onDone={(status, message) => onDone(node.entityId, status, message)}
                  />
                ) : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
