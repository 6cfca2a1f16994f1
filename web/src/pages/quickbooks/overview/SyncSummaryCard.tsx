import { Link } from 'react-router';
import { SYNC_STATE_LABEL, SyncStatePill } from '../../../components/StatusPill';
import { formatAgo, formatDateTime } from '../../../format';
import type { OverviewConnectionFragment, QuickBooksSyncState } from '../../../generated/graphql';
import { syncLogOf } from '../../../routes';

type Summary = NonNullable<OverviewConnectionFragment['syncSummary']>;

/** The order a bookkeeper reads the states in: what is done, what is moving, what needs someone. */
const STATE_ORDER: QuickBooksSyncState[] = [
  'SYNCED',
  'SYNCED_WITH_DIFFERENCES',
  'QUEUED',
  'SYNCING',
  'FAILED',
  'ACTION_REQUIRED',
  'DEAD',
  'NOT_SYNCED',
];

/** The invoice sync at a glance: last success, counts by state, what waits longest, the newest errors. */
export function SyncSummaryCard({ summary, now }: { summary: Summary; now: number }) {
  const counts = new Map(summary.counts.map((c) => [c.state, c.count]));
  return (
    <section className="card" aria-labelledby="summary-heading">
      <h2 id="summary-heading">Invoice sync</h2>
      <dl className="facts">
        <dt>Last successful sync</dt>
        <dd data-testid="last-success">
          <When iso={summary.lastSucceededAt} now={now} never="No invoice has reached QuickBooks yet" />
        </dd>
        <dt>Oldest waiting invoice</dt>
        <dd data-testid="oldest-pending">
          <When
            iso={summary.oldestPendingSince}
            now={now}
            never="Nothing is waiting"
            prefix="waiting since "
          />
        </dd>
      </dl>
      <table className="summary-counts">
        <caption>Invoices by sync state</caption>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Invoices</th>
          </tr>
        </thead>
        <tbody>
          {STATE_ORDER.map((state) => (
            <tr key={state} data-state={state}>
              <th scope="row">
                <SyncStatePill state={state} />
              </th>
              <td data-testid={`count-${state}`}>{counts.get(state) ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <RecentErrors errors={summary.recentErrors} now={now} />
    </section>
  );
}

function When({
  iso,
  now,
  never,
  prefix = '',
}: {
  iso: string | null;
  now: number;
  never: string;
  prefix?: string;
}) {
  if (!iso) return <span className="muted">{never}</span>;
  return (
    <>
      {prefix}
      <time dateTime={iso} title={formatDateTime(iso)}>
        {formatAgo(iso, now)}
      </time>{' '}
      <span className="muted">({formatDateTime(iso)})</span>
    </>
  );
}

function RecentErrors({ errors, now }: { errors: Summary['recentErrors']; now: number }) {
  return (
    <>
      <h3>Newest errors</h3>
      {errors.length === 0 ? (
        <p className="muted" data-testid="no-recent-errors">
          No invoice is failing.
        </p>
      ) : (
        <ul className="recent-errors">
          {errors.map((item) => {
            const name = item.invoice?.number ?? item.invoiceId;
            return (
              <li key={item.invoiceId} data-invoice-id={item.invoiceId}>
                <Link to={`/invoices/${encodeURIComponent(item.invoiceId)}`}>Invoice {name}</Link>{' '}
                <SyncStatePill state={item.state} />{' '}
                <span className="muted">
                  <time dateTime={item.at} title={formatDateTime(item.at)}>
                    {formatAgo(item.at, now)}
                  </time>
                </span>
                <br />
                {item.error.message} <span className="muted">({item.error.code})</span>
                {' · '}
                <Link to={syncLogOf(item.invoiceId)} aria-label={`Sync log for invoice ${name}`}>
                  Sync log
                </Link>
              </li>
            );
          })}
        </ul>
      )}
      <p className="muted">
        {SYNC_STATE_LABEL.ACTION_REQUIRED.label} and {SYNC_STATE_LABEL.DEAD.label.toLowerCase()} invoices wait
        for an admin: open the invoice to retry or dismiss it.
      </p>
    </>
  );
}
