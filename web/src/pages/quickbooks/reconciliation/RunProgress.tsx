import { useEffect, useEffectEvent } from 'react';
import { useQuery } from 'urql';
import { useAnnounce } from '../../../components/Announcer';
import { formatCalendarDate, formatDateTime } from '../../../format';
import {
  ReconciliationChangedDocument,
  ReconciliationProgressDocument,
  type QuickBooksReconciliationPhase,
  type QuickBooksReconciliationState,
} from '../../../generated/graphql';
import { useSubscriptionEvents, useThrottled } from '../../../live';
import { useSession } from '../../../session';

/**
 * A backstop read while RUNNING: events are delivered at most once, so a lost one must not leave the page
 * waiting for ever.
 */
const FALLBACK_POLL_MS = 10_000;

const PHASE_WORDS: Record<QuickBooksReconciliationPhase, string> = {
  READING_REPORTS: "Reading QuickBooks' invoice report",
  READING_PLATFORM: "Reading the platform's invoices",
  REREADING: 'Re-reading the invoices that differ in QuickBooks',
  READING_RECEIVABLES: "Reading QuickBooks' receivables",
  SAVING: 'Saving the results',
};

/**
 * A RUNNING reconciliation, followed live: every step of the run (quickbooksReconciliationChanged) reads
 * its phase and count again, until it leaves RUNNING; then `onSettled` tells the page to read the results.
 */
export function RunProgress({
  run,
  onSettled,
}: {
  run: { id: string; from: string; to: string; startedAt: string };
  onSettled: (state: Exclude<QuickBooksReconciliationState, 'RUNNING'>) => void;
}) {
  const { tenantId } = useSession();
  const announce = useAnnounce();
  const [{ data, error }, reexecute] = useQuery({
    query: ReconciliationProgressDocument,
    variables: { customerId: tenantId, id: run.id },
    requestPolicy: 'network-only',
  });
  const state = data?.quickbooksReconciliation?.state ?? 'RUNNING';
  const progress = data?.quickbooksReconciliation?.progress ?? null;
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 500);
  const liveError = useSubscriptionEvents(
    ReconciliationChangedDocument,
    { customerId: tenantId },
    (event) => {
      if (event.quickbooksReconciliationChanged.id === run.id) refresh();
    },
  );

  useEffect(() => {
    if (state !== 'RUNNING') return;
    const timer = setInterval(() => reexecute({ requestPolicy: 'network-only' }), FALLBACK_POLL_MS);
    return () => clearInterval(timer);
  }, [state, reexecute]);

  const settle = useEffectEvent((next: Exclude<QuickBooksReconciliationState, 'RUNNING'>) => {
    announce(
      next === 'SUCCEEDED'
        ? 'The reconciliation finished; its results are below.'
        : 'The reconciliation failed; the reason is below.',
    );
    onSettled(next);
  });
  useEffect(() => {
    if (state !== 'RUNNING') settle(state);
  }, [state]);

  return (
    <div
      className="reconciliation-progress"
      role="status"
      aria-live="polite"
      data-testid="reconciliation-progress"
      data-state={state}
    >
      <p>
        <strong>
          {state === 'RUNNING' ? 'Comparing invoices with QuickBooks…' : 'Finished. Reading the results…'}
        </strong>{' '}
        <span className="muted">
          (invoices issued {formatCalendarDate(run.from)} to {formatCalendarDate(run.to)}, started{' '}
          {formatDateTime(run.startedAt)})
        </span>
      </p>
      {state === 'RUNNING' && progress ? (
        <p data-testid="reconciliation-phase" data-phase={progress.phase}>
          {PHASE_WORDS[progress.phase]}
          {progress.total > 1 ? ` (${progress.done} of ${progress.total})` : ''}
        </p>
      ) : null}
      {state === 'RUNNING' ? (
        progress && progress.total > 1 ? (
          <progress aria-label="Reconciliation in progress" value={progress.done} max={progress.total} />
        ) : (
          <progress aria-label="Reconciliation in progress" />
        )
      ) : null}
      {error || liveError ? (
        <p className="muted">The progress could not be read just now; trying again.</p>
      ) : null}
    </div>
  );
}
