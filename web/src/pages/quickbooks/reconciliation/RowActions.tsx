import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../../components/ErrorNotice';
import {
  DismissQuickBooksReconciliationRowDocument,
  RetryQuickBooksSyncDocument,
  SyncQuickBooksPaymentsDocument,
  type QuickBooksReconciliationAction,
  type ReconciliationRowFieldsFragment,
} from '../../../generated/graphql';
import { useSession } from '../../../session';
import { ACCEPTED_PREFIX, REASON_MAX, REASON_MIN } from './words';

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
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [lastTried, setLastTried] = useState<'repush' | 'sync' | 'dismiss' | null>(null);
  const reasonId = useId();
  const problemId = useId();
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

  async function onDecide(event: FormEvent) {
    event.preventDefault();
    if (!deciding) return;
    const written = reason.trim();
    if (written.length < REASON_MIN) {
      setProblem(`Write a reason of at least ${REASON_MIN} characters; it goes to the audit log.`);
      return;
    }
    setProblem(null);
    setLastTried('dismiss');
    const result = await executeDismiss({
      customerId: tenantId,
      rowId: row.id,
      reason: deciding === 'ACCEPT_QUICKBOOKS' ? `${ACCEPTED_PREFIX}${written}` : written,
    });
    if (result.data) {
      onDismissed(
        result.data.dismissQuickBooksReconciliationRow,
        deciding === 'ACCEPT_QUICKBOOKS'
          ? `QuickBooks' figure accepted for invoice ${label}.`
          : `The difference on invoice ${label} is dismissed.`,
      );
      setDeciding(null);
      setReason('');
    }
  }

  const busy = repush.fetching || sync.fetching || dismiss.fetching;
  const maxLength = deciding === 'ACCEPT_QUICKBOOKS' ? REASON_MAX - ACCEPTED_PREFIX.length : REASON_MAX;
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
        <form className="dismiss-form" onSubmit={(event) => void onDecide(event)} noValidate>
          <label htmlFor={reasonId}>
            {DECISION_WORDS[deciding].question} {label}? (required)
          </label>
          <textarea
            id={reasonId}
            rows={2}
            maxLength={maxLength}
            value={reason}
            aria-required="true"
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? problemId : undefined}
            onChange={(event) => setReason(event.target.value)}
          />
          {problem ? (
            <p id={problemId} className="field-problem" role="alert">
              {problem}
            </p>
          ) : null}
          <div className="sync-actions-buttons">
            <button type="submit" className={deciding === 'DISMISS' ? 'danger' : undefined} disabled={busy}>
              {dismiss.fetching ? DECISION_WORDS[deciding].busy : DECISION_WORDS[deciding].submit}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setDeciding(null);
                setProblem(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
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
