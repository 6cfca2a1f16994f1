import { useState } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { ReasonForm } from '../../../components/ReasonForm';
import {
  DismissQuickBooksReconciliationRowDocument,
  RetryQuickBooksSyncDocument,
  SyncQuickBooksPaymentsDocument,
  type QuickBooksReconciliationAction,
  type ReconciliationRowFieldsFragment,
} from '../../../generated/graphql';
import { useSession } from '../../../session';
import { REASON_MIN } from './words';

type Decision = Extract<QuickBooksReconciliationAction, 'ACCEPT_QUICKBOOKS' | 'DISMISS'>;

const DECISION_WORDS: Record<Decision, { question: string; submit: string; busy: string }> = {
  ACCEPT_QUICKBOOKS: {
    question: "Why is QuickBooks' figure right for invoice",
    submit: "Accept QuickBooks' figure",
    busy: 'Accepting…',
  },
  DISMISS: { question: 'Why dismiss the difference on invoice', submit: 'Dismiss', busy: 'Dismissing…' },
};

/**
 * An admin's answers to one row, as the server lists them in `actions`: Re-push the platform's invoice, Sync
 * payments now, or a decision with a reason (accept QuickBooks' figure, dismiss), which the row and the
 * audit log keep. The server refuses all of them to members; the page shows this to admins only.
 */
export function RowActions({
  row,
  label,
  onDismissed,
  onDone,
}: {
  row: ReconciliationRowFieldsFragment;
  /** How the row names its invoice ("INV-1001"). */
  label: string;
  onDismissed: (row: ReconciliationRowFieldsFragment, message: string) => void;
  onDone: (message: string) => void;
}) {
  const { tenantId } = useSession();
  const [repush, executeRepush] = useMutation(RetryQuickBooksSyncDocument);
  const [sync, executeSync] = useMutation(SyncQuickBooksPaymentsDocument);
  const [dismiss, executeDismiss] = useMutation(DismissQuickBooksReconciliationRowDocument);
  const [deciding, setDeciding] = useState<Decision | null>(null);
  const [lastTried, setLastTried] = useState<'repush' | 'sync' | 'dismiss' | null>(null);
  const has = (action: QuickBooksReconciliationAction) => row.actions.includes(action);

  async function onRepush() {
    if (!row.invoiceId) return;
    setLastTried('repush');
    const result = await executeRepush({ customerId: tenantId, invoiceId: row.invoiceId });
    if (result.data) {
      onDone(
        `Re-push started: invoice ${label} is being sent to QuickBooks again. Run the reconciliation again to check it.`,
      );
    }
  }

  async function onSync() {
    setLastTried('sync');
    const result = await executeSync({ customerId: tenantId });
    if (result.data) {
      onDone(
        'Payments are being brought back from QuickBooks now. Run the reconciliation again in a minute to check them.',
      );
    }
  }

  async function onDecide(decision: Decision, reason: string) {
    setLastTried('dismiss');
    const result = await executeDismiss({ customerId: tenantId, rowId: row.id, reason, decision });
    if (result.data) {
      onDismissed(
        result.data.dismissQuickBooksReconciliationRow,
        decision === 'ACCEPT_QUICKBOOKS'
          ? `QuickBooks' figure accepted for invoice ${label}.`
          : `The difference on invoice ${label} is dismissed.`,
      );
      setDeciding(null);
    }
  }

  const busy = repush.fetching || sync.fetching || dismiss.fetching;
  return (
    <div className="reconciliation-actions">
      {!deciding ? (
        <div className="sync-actions-buttons">
          {has('REPUSH') && row.invoiceId ? (
            <button
              type="button"
              onClick={() => void onRepush()}
              disabled={busy}
              aria-label={`Re-push invoice ${label}`}
            >
              {repush.fetching ? 'Re-pushing…' : 'Re-push'}
            </button>
          ) : null}
          {has('ACCEPT_QUICKBOOKS') ? (
            <button
              type="button"
              className="secondary"
              onClick={() => setDeciding('ACCEPT_QUICKBOOKS')}
              disabled={busy}
              aria-label={`Accept QuickBooks' figure for invoice ${label}`}
            >
              Accept QuickBooks' figure
            </button>
          ) : null}
          {has('SYNC_PAYMENTS') ? (
            <button
              type="button"
              className="secondary"
              onClick={() => void onSync()}
              disabled={busy}
              aria-label={`Sync payments for invoice ${label}`}
            >
              {sync.fetching ? 'Syncing…' : 'Sync payments'}
            </button>
          ) : null}
          {has('DISMISS') ? (
            <button
              type="button"
              className="secondary"
              onClick={() => setDeciding('DISMISS')}
              disabled={busy}
              aria-label={`Dismiss the difference on invoice ${label}`}
            >
              Dismiss
            </button>
          ) : null}
        </div>
      ) : (
        <ReasonForm
          question={`${DECISION_WORDS[deciding].question} ${label}?`}
          submitLabel={DECISION_WORDS[deciding].submit}
          submittingLabel={DECISION_WORDS[deciding].busy}
          submitting={dismiss.fetching}
          disabled={busy}
          danger={deciding === 'DISMISS'}
          minLength={REASON_MIN}
          tooShort={`Write a reason of at least ${REASON_MIN} characters; it goes to the audit log.`}
          onSubmit={(reason) => onDecide(deciding, reason)}
          onCancel={() => setDeciding(null)}
        />
      )}
      {lastTried === 'repush' && repush.error ? (
        <ErrorNotice error={repush.error} context="Re-push failed" />
      ) : null}
      {lastTried === 'sync' && sync.error ? (
        <ErrorNotice error={sync.error} context="Syncing payments failed" />
      ) : null}
      {lastTried === 'dismiss' && dismiss.error ? (
        <ErrorNotice error={dismiss.error} context="Not saved" />
      ) : null}
    </div>
  );
}
