import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../components/ErrorNotice';
import { DismissQuickBooksSyncErrorDocument, RetryQuickBooksSyncDocument } from '../../generated/graphql';
import { useSession } from '../../session';
import type { SyncStatus } from './live';

/** The server's limit on a dismissal's reason (src/resolvers/quickbooks-sync.resolver.ts). */
const REASON_MAX = 500;

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
  const [reason, setReason] = useState('');
  const [reasonProblem, setReasonProblem] = useState<string | null>(null);
  const [lastTried, setLastTried] = useState<'retry' | 'accept' | null>(null);
  const reasonId = useId();
  const problemId = useId();

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

  async function onAccept(event: FormEvent) {
    event.preventDefault();
    if (reason.trim() === '') {
      setReasonProblem("Say why QuickBooks' tax is right; the reason goes to the audit log.");
      return;
    }
    setReasonProblem(null);
    setLastTried('accept');
    const result = await executeAccept({ customerId: tenantId, invoiceId, reason: reason.trim() });
    if (result.data) {
      setAccepting(false);
      setReason('');
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
        <form className="dismiss-form" onSubmit={(event) => void onAccept(event)} noValidate>
          <label htmlFor={reasonId}>
            Why is QuickBooks' tax right for invoice {invoiceNumber}? (required)
          </label>
          <textarea
            id={reasonId}
            rows={2}
            maxLength={REASON_MAX}
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
            <button type="submit" disabled={busy}>
              {accept.fetching ? 'Accepting…' : "Accept QuickBooks' tax"}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setAccepting(false);
                setReasonProblem(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
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
