import { Link } from 'react-router';
import { MAPPING_PATH, QUICKBOOKS_PATH } from '../../routes';
import { SYNC_STATE_LABEL } from '../../components/StatusPill';
import { formatDateTime } from '../../format';
import { useSession } from '../../session';
import { syncErrorWords } from '../../sync-errors';
import type { SyncStatus } from './live';
import { SyncErrorActions } from './SyncErrorActions';

/**
 * Why the last push of this invoice failed, in a bookkeeper's words, with the way out: the mapping page
 * when a mapping is at fault, Retry and Dismiss for admins, and the server's own words for support.
 */
export function SyncErrorBanner({
  invoiceId,
  invoiceNumber,
  status,
  onDone,
}: {
  invoiceId: string;
  invoiceNumber: string;
  status: SyncStatus;
  onDone: (status: SyncStatus, message: string) => void;
}) {
  const { isAdmin } = useSession();
  const error = status.lastError;
  const words = syncErrorWords(error?.code ?? '', error?.message ?? '');
  const stateLabel = SYNC_STATE_LABEL[status.state].label;
  return (
    <div
      className="notice notice-error sync-banner"
      role="alert"
      data-testid="sync-error-banner"
      data-error-code={error?.code ?? ''}
    >
      <p className="sync-banner-title">
        <strong>QuickBooks: {stateLabel}.</strong> {words.title}
      </p>
      <p>{words.action}</p>
      {error && words.fix === 'mapping' ? (
        <p>
          <Link to={MAPPING_PATH}>Open the QuickBooks mapping</Link>
        </p>
      ) : null}
      {error && words.fix === 'connection' ? (
        <p>
          <Link to={QUICKBOOKS_PATH}>Open the QuickBooks connection settings</Link>
        </p>
      ) : null}
      {error && words.fix === 'settings' ? (
        <p>
          <Link to={MAPPING_PATH}>Open the QuickBooks sync settings</Link>
        </p>
      ) : null}
      {status.state === 'FAILED' ? (
        <p className="muted">It is retried automatically, waiting longer each time.</p>
      ) : null}
      {error ? (
        <details className="sync-banner-details">
          <summary>Details for support</summary>
          <dl className="facts">
            <dt>What the server said</dt>
            <dd>{error.message}</dd>
            {error.detail ? (
              <>
                <dt>QuickBooks detail</dt>
                <dd>{error.detail}</dd>
              </>
            ) : null}
            <dt>Code</dt>
            <dd>
              <code>{error.code}</code>
            </dd>
            <dt>Intuit transaction id (intuit_tid)</dt>
            <dd>{error.intuitTid ? <code>{error.intuitTid}</code> : 'none given'}</dd>
            <dt>Attempts</dt>
            <dd>{status.attempts}</dd>
            <dt>Last attempt</dt>
            <dd>{formatDateTime(status.lastAttemptAt)}</dd>
          </dl>
        </details>
      ) : null}
      {isAdmin ? (
        <SyncErrorActions invoiceId={invoiceId} invoiceNumber={invoiceNumber} onDone={onDone} />
      ) : (
        <p className="muted">An admin of this account can retry or dismiss it.</p>
      )}
    </div>
  );
}
