import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../components/ErrorNotice';
import { DismissQuickBooksSyncErrorDocument, RetryQuickBooksSyncDocument } from '../../generated/graphql';
import { useSession } from '../../session';
import type { SyncStatus } from './live';

/**
 * An admin's two answers to a failed push: Retry (one click) and Dismiss (with a reason, which goes to the
 * audit log). The server refuses both to members; the caller shows this to admins only as a courtesy.
 * `onDone` gets the new status and a sentence saying what happened; failures are shown here, in words.
 */
export function SyncErrorActions({
  invoiceId,
  invoiceNumber,
  onDone,
}: {
  invoiceId: string;
  invoiceNumber: string;
  onDone: (status: SyncStatus, message: string) => void;
}) {
  const { tenantId } = useSession();
  const [retry, executeRetry] = useMutation(RetryQuickBooksSyncDocument);
  const [dismiss, executeDismiss] = useMutation(DismissQuickBooksSyncErrorDocument);
  const [dismissing, setDismissing] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonProblem, setReasonProblem] = useState<string | null>(null);
  const [lastTried, setLastTried] = useState<'retry' | 'dismiss' | null>(null);
  const reasonId = useId();
  const problemId = useId();

  async function onRetry() {
    setLastTried('retry');
    const result = await executeRetry({ customerId: tenantId, invoiceId });
    if (result.data) {
      onDone(
        result.data.retryQuickBooksSync,
        `Retry started: invoice ${invoiceNumber} is being sent to QuickBooks again.`,
      );
    }
  }

  async function onDismiss(event: FormEvent) {
    event.preventDefault();
    if (reason.trim() === '') {
      setReasonProblem('Say why this error is dismissed; the reason goes to the audit log.');
      return;
    }
    setReasonProblem(null);
    setLastTried('dismiss');
    const result = await executeDismiss({ customerId: tenantId, invoiceId, reason: reason.trim() });
    if (result.data) {
      setDismissing(false);
      setReason('');
      const status = result.data.dismissQuickBooksSyncError;
      onDone(
        status,
        // Dismissing the STOP tax setting's hold accepts QuickBooks' tax: the invoice stays in QuickBooks.
        status.state === 'SYNCED_WITH_DIFFERENCES'
          ? `QuickBooks' tax accepted: invoice ${invoiceNumber} stays in QuickBooks as QuickBooks taxed it.`
          : `Error dismissed: invoice ${invoiceNumber} stays out of QuickBooks until it changes or someone presses Sync now.`,
      );
    }
  }

  const busy = retry.fetching || dismiss.fetching;
  return (
    <div className="sync-actions">
      <div className="sync-actions-buttons">
        <button
          type="button"
          onClick={() => void onRetry()}
          disabled={busy}
          aria-label={`Retry invoice ${invoiceNumber}`}
        >
          {retry.fetching ? 'Retrying…' : 'Retry'}
        </button>
        {!dismissing ? (
          <button
            type="button"
            className="secondary"
            onClick={() => setDismissing(true)}
            disabled={busy}
            aria-label={`Dismiss the error of invoice ${invoiceNumber}`}
          >
            Dismiss
          </button>
        ) : null}
      </div>
      {dismissing ? (
        <form className="dismiss-form" onSubmit={(event) => void onDismiss(event)} noValidate>
          <label htmlFor={reasonId}>Why dismiss the error of invoice {invoiceNumber}? (required)</label>
          <textarea
            id={reasonId}
            rows={2}
            maxLength={500}
            value={reason}
            aria-required="true"
            aria-invalid={reasonProblem ? true : undefined}
            aria-describedby={reasonProblem ? problemId : undefined}
            onChange={(event) => setReason(event.target.value)}
          />
          {reasonProblem ? (
            <p id={problemId} className="field-problem" role="alert">
              {reasonProblem}
            </p>
          ) : null}
          <div className="sync-actions-buttons">
            <button type="submit" className="danger" disabled={busy}>
              {dismiss.fetching ? 'Dismissing…' : 'Dismiss error'}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setDismissing(false);
                setReasonProblem(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {lastTried === 'retry' && retry.error ? (
        <ErrorNotice error={retry.error} context="Retry failed" />
      ) : null}
      {lastTried === 'dismiss' && dismiss.error ? (
        <ErrorNotice error={dismiss.error} context="Dismiss failed" />
      ) : null}
    </div>
  );
}
