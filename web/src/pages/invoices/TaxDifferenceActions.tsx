import { useState } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ReasonForm } from '../../components/ReasonForm';
import { DismissQuickBooksSyncErrorDocument, RetryQuickBooksSyncDocument } from '../../generated/graphql';
import { useSession } from '../../session';
import type { SyncStatus } from './live';

/**
 * An admin's answers to a tax difference: Push again (QuickBooks gets the platform's invoice again, under
 * the tax setting as it is now) and, while the STOP setting holds the invoice, Accept QuickBooks' tax with a
 * reason. Accepting is the server's dismissal of the hold: it keeps QuickBooks' tax, leaves the invoice
 * SYNCED_WITH_DIFFERENCES and audits the reason. The server refuses both to members.
 */
export function TaxDifferenceActions({
  invoiceId,
  invoiceNumber,
  held,
  onDone,
}: {
  invoiceId: string;
  invoiceNumber: string;
  held: boolean;
  onDone: (status: SyncStatus, message: string) => void;
}) {
  const { tenantId } = useSession();
  const [retry, executeRetry] = useMutation(RetryQuickBooksSyncDocument);
  const [accept, executeAccept] = useMutation(DismissQuickBooksSyncErrorDocument);
  const [accepting, setAccepting] = useState(false);
  const [lastTried, setLastTried] = useState<'retry' | 'accept' | null>(null);

  async function onPushAgain() {
    setLastTried('retry');
    const result = await executeRetry({ customerId: tenantId, invoiceId });
    if (result.data) {
      onDone(
        result.data.retryQuickBooksSync,
        `Invoice ${invoiceNumber} is being sent to QuickBooks again, under the tax setting as it is now.`,
      );
    }
  }

  async function onAccept(reason: string) {
    setLastTried('accept');
    const result = await executeAccept({ customerId: tenantId, invoiceId, reason });
    if (result.data) {
      setAccepting(false);
      onDone(
        result.data.dismissQuickBooksSyncError,
        `QuickBooks' tax accepted: invoice ${invoiceNumber} stays in QuickBooks as QuickBooks taxed it.`,
      );
    }
  }

  const busy = retry.fetching || accept.fetching;
  return (
    <div className="sync-actions">
      {!accepting ? (
        <div className="sync-actions-buttons">
          <button type="button" onClick={() => void onPushAgain()} disabled={busy}>
            {retry.fetching ? 'Pushing…' : 'Push again'}
          </button>
          {held ? (
            <button type="button" className="secondary" onClick={() => setAccepting(true)} disabled={busy}>
              Accept QuickBooks' tax
            </button>
          ) : null}
        </div>
      ) : (
        <ReasonForm
          question={`Why is QuickBooks' tax right for invoice ${invoiceNumber}?`}
          submitLabel="Accept QuickBooks' tax"
          submittingLabel="Accepting…"
          submitting={accept.fetching}
          disabled={busy}
          tooShort="Say why QuickBooks' tax is right; the reason goes to the audit log."
          onSubmit={onAccept}
          onCancel={() => setAccepting(false)}
        />
      )}
      <p className="muted">
        Push again sends the platform's invoice to QuickBooks again: with the tax setting on “Send the
        platform's tax”, QuickBooks is given the tax billed here.
      </p>
      {lastTried === 'retry' && retry.error ? (
        <ErrorNotice error={retry.error} context="Push again failed" />
      ) : null}
      {lastTried === 'accept' && accept.error ? (
        <ErrorNotice error={accept.error} context="QuickBooks' tax was not accepted" />
      ) : null}
    </div>
  );
}
