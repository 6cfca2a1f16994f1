import { useState } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ReasonForm } from '../../components/ReasonForm';
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
  const [lastTried, setLastTried] = useState<'retry' | 'dismiss' | null>(null);

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

  async function onDismiss(reason: string) {
    setLastTried('dismiss');
    const result = await executeDismiss({ customerId: tenantId, invoiceId, reason });
    if (result.data) {
      setDismissing(false);
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
        <ReasonForm
          question={`Why dismiss the error of invoice ${invoiceNumber}?`}
          submitLabel="Dismiss error"
          submittingLabel="Dismissing…"
          submitting={dismiss.fetching}
          disabled={busy}
          danger
          tooShort="Say why this error is dismissed; the reason goes to the audit log."
          onSubmit={onDismiss}
          onCancel={() => setDismissing(false)}
        />
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
