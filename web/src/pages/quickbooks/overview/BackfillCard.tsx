import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, type CombinedError } from 'urql';
import { useAnnounce } from '../../../components/Announcer';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { formatDateTime } from '../../../format';
import {
  OverviewBackfillDocument,
  OverviewBackfillProgressDocument,
  SyncExistingQuickBooksInvoicesDocument,
  type OverviewBackfillFragment,
} from '../../../generated/graphql';
import { useSession } from '../../../session';
import { useSubscriptionEvents } from '../../../live';
import { BACKFILL_STATE_WORDS } from './words';

/**
 * "Sync existing invoices": the latest backfill's progress, live, and (admins) starting one for invoices
 * issued since a date.
 */
export function BackfillCard() {
  const { tenantId, isAdmin } = useSession();
  const announce = useAnnounce();
  const variables = { customerId: tenantId };
  const [{ data, error }] = useQuery({
    query: OverviewBackfillDocument,
    variables,
    requestPolicy: 'cache-and-network',
  });
  // The newest backfill seen live (progress events, or the one just started); the query gives the first.
  const [live, setLive] = useState<OverviewBackfillFragment | null>(null);

  useSubscriptionEvents(
    OverviewBackfillProgressDocument,
    variables,
    ({ quickbooksBackfillProgress: next }) => {
      const previous = live ?? data?.quickbooksBackfill;
      if (previous?.id !== next.id || previous.state !== next.state) announce(progressWords(next));
      setLive(next);
    },
  );

  const backfill = live ?? data?.quickbooksBackfill ?? null;

  return (
    <section className="card" aria-labelledby="backfill-heading">
      <h2 id="backfill-heading">Sync existing invoices</h2>
      <p>
        Sends invoices finalized before QuickBooks was connected (or that never made it) in batches. Invoices
        QuickBooks already holds, or that are already on their way, are left alone.
      </p>
      {error ? <ErrorNotice error={error} context="The sync of existing invoices could not be read" /> : null}
      {backfill ? (
        <BackfillProgress backfill={backfill} />
      ) : (
        <p className="muted" data-testid="no-backfill">
          No sync of existing invoices has been started.
        </p>
      )}
      {isAdmin ? (
        <StartBackfill
          onStarted={(started) =>
            // Progress events may already have moved past the mutation's answer: keep the newer.
            setLive((previous) => (previous?.id === started.id ? previous : started))
          }
        />
      ) : null}
    </section>
  );
}

function progressWords(backfill: OverviewBackfillFragment): string {
  switch (backfill.state) {
    case 'PLANNING':
      return 'Listing the existing invoices to send to QuickBooks';
    case 'RUNNING':
      return `Sending ${backfill.total ?? 'the'} existing invoices to QuickBooks`;
    case 'COMPLETED':
      return `Sync of existing invoices finished: ${backfill.done} sent, ${backfill.failed} failed, ${backfill.skipped} skipped`;
    case 'CANCELLED':
      return 'The sync of existing invoices stopped before its invoices were sent';
  }
}

function BackfillProgress({ backfill }: { backfill: OverviewBackfillFragment }) {
  const settled = backfill.done + backfill.failed + backfill.handedOff;
  const finished = backfill.state === 'COMPLETED' || backfill.state === 'CANCELLED';
  return (
    <div className="backfill-progress" data-testid="backfill" data-state={backfill.state}>
      <p>
        <strong data-testid="backfill-state">{BACKFILL_STATE_WORDS[backfill.state]}</strong>{' '}
        <span className="muted">
          (invoices issued since {formatUtcDate(backfill.since)}, started {formatDateTime(backfill.startedAt)}{' '}
          by {backfill.startedBy}
          {backfill.finishedAt ? `, finished ${formatDateTime(backfill.finishedAt)}` : ''})
        </span>
      </p>
      <label htmlFor="backfill-progress">
        {backfill.total === null
          ? 'Progress: counting the invoices to send'
          : `Progress: ${settled} of ${backfill.total} invoices`}
      </label>
      {backfill.total === null ? (
        <progress id="backfill-progress" />
      ) : (
        <progress
          id="backfill-progress"
          max={Math.max(backfill.total, 1)}
          value={finished && backfill.total === 0 ? 1 : settled}
        />
      )}
      <dl className="facts backfill-counts">
        <dt>Sent to QuickBooks</dt>
        <dd data-testid="backfill-done">{backfill.done}</dd>
        <dt>Failed (see each invoice)</dt>
        <dd data-testid="backfill-failed">{backfill.failed}</dd>
        <dt>Skipped (already in QuickBooks or on their way)</dt>
        <dd data-testid="backfill-skipped">{backfill.skipped}</dd>
        <dt>Handed off to their own sync</dt>
        <dd data-testid="backfill-handed-off">{backfill.handedOff}</dd>
        <dt>To send in total</dt>
        <dd data-testid="backfill-total">{backfill.total ?? 'not counted yet'}</dd>
      </dl>
    </div>
  );
}

/** A YYYY-MM-DD date the server means in UTC, written as the person's locale writes dates. */
function formatUtcDate(date: string): string {
  const parsed = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime())) return date;
  return parsed.toLocaleDateString(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
}

/** Today as YYYY-MM-DD in UTC: the server reads `since` as a UTC date and refuses one in the future. */
function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

function StartBackfill({ onStarted }: { onStarted: (backfill: OverviewBackfillFragment) => void }) {
  const { tenantId } = useSession();
  const [state, start] = useMutation(SyncExistingQuickBooksInvoicesDocument);
  const [error, setError] = useState<CombinedError | null>(null);
  const [started, setStarted] = useState<string | null>(null);
  const [max] = useState(todayUtc);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const since = String(new FormData(event.currentTarget).get('since') ?? '');
    setError(null);
    setStarted(null);
    const result = await start({ customerId: tenantId, since: `${since}T00:00:00.000Z` });
    if (result.error || !result.data) {
      if (result.error) setError(result.error);
      return;
    }
    setStarted(since);
    onStarted(result.data.syncExistingQuickBooksInvoices);
  };

  return (
    <form className="backfill-form" onSubmit={(event) => void submit(event)}>
      <label htmlFor="backfill-since">Invoices issued since</label>
      <input
        id="backfill-since"
        name="since"
        type="date"
        required
        max={max}
        aria-describedby="backfill-since-help"
      />
      <p id="backfill-since-help" className="muted">
        Finalized invoices issued on or after this date (UTC) that QuickBooks does not hold yet.
      </p>
      <button type="submit" disabled={state.fetching}>
        {state.fetching ? 'Starting…' : 'Sync existing invoices'}
      </button>
      {error ? <ErrorNotice error={error} context="The sync of existing invoices did not start" /> : null}
      {started ? (
        <div className="notice notice-ok" role="status">
          Started: invoices issued since {formatUtcDate(started)} are being sent to QuickBooks.
        </div>
      ) : null}
    </form>
  );
}
