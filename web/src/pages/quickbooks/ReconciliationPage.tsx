import { useCallback, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatCalendarDate, formatDateTime } from '../../format';
import {
  ReconciliationPageDocument,
  type ReconciliationPageQuery,
  type ReconciliationRunFragment,
} from '../../generated/graphql';
import { QUICKBOOKS_PATH } from '../../routes';
import { useSession } from '../../session';
import { RowsTable, ROWS_PAGE_SIZE } from './reconciliation/RowsTable';
import { RunForm } from './reconciliation/RunForm';
import { RunProgress } from './reconciliation/RunProgress';
import { RunSummary } from './reconciliation/Summary';
import '../invoices/invoices.css';
import './overview.css';
import './reconciliation.css';

type LatestRun = NonNullable<ReconciliationPageQuery['quickbooksReconciliation']>;

/**
 * Settings → Integrations → QuickBooks → Reconciliation: the latest comparison of the invoices sent from here
 * with what QuickBooks holds now, followed while it runs, then its summary and the invoices that differ.
 * Admins start runs and answer rows; members read the same page without the controls (the server refuses
 * them anyway).
 */
export function ReconciliationPage() {
  const { tenantId, isAdmin } = useSession();
  const [params] = useSearchParams();
  // Rows per page, as the sync log takes it (?first=): 20 unless a link asks for another size.
  const requested = Number(params.get('first'));
  const pageSize =
    Number.isInteger(requested) && requested >= 1 && requested <= 100 ? requested : ROWS_PAGE_SIZE;
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: ReconciliationPageDocument,
    variables: { customerId: tenantId, first: pageSize },
    requestPolicy: 'cache-and-network',
  });
  // The run this page just started, shown in progress at once.
  const [started, setStarted] = useState<ReconciliationRunFragment | null>(null);
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const [runsSettled, setRunsSettled] = useState(0);
  const onSettled = useCallback(() => {
    setRunsSettled((count) => count + 1);
    refresh();
  }, [refresh]);

  const latest = data?.quickbooksReconciliation ?? null;
  // Until the page's read reaches the run just started (it may have left before the run was written).
  const pending =
    started && (!latest || Date.parse(latest.startedAt) < Date.parse(started.startedAt)) ? started : null;
  const currency = data?.customer?.currency ?? null;

  return (
    <>
      <h1>Reconciliation</h1>
      <p className="muted">
        Compares the invoices sent from here with what QuickBooks holds now: amounts, tax, voids and payments,
        to the cent. Each difference says what differs, why, and what can be done about it. A reconciliation
        also runs every night.
      </p>
      {isAdmin ? (
        <section className="card" aria-labelledby="run-reconciliation-heading">
          <h2 id="run-reconciliation-heading">Run a reconciliation</h2>
          <RunForm
            runsSettled={runsSettled}
            onStarted={(run) => {
              setStarted(run);
              refresh();
            }}
            onRefused={(code) => {
              // Someone else's run (or the nightly one) is going: show it.
              if (code === 'QUICKBOOKS_RECONCILIATION_RUNNING') refresh();
            }}
          />
        </section>
      ) : null}
      {error ? <ErrorNotice error={error} context="The reconciliation could not be read" /> : null}
      {!data && fetching ? <p className="muted">Loading the latest reconciliation…</p> : null}
      {pending ? (
        <RunView run={pending} currency={currency} pageSize={pageSize} onSettled={onSettled} />
      ) : latest ? (
        <RunView run={latest} currency={currency} pageSize={pageSize} onSettled={onSettled} />
      ) : data ? (
        <p data-testid="no-reconciliation">
          No reconciliation has been run yet.{' '}
          {isAdmin
            ? 'Run one above, or wait for the nightly one.'
            : 'An admin can run one, or the nightly one will.'}{' '}
          QuickBooks must be <Link to={QUICKBOOKS_PATH}>connected</Link> first.
        </p>
      ) : null}
    </>
  );
}

function RunView({
  run,
  currency,
  pageSize,
  onSettled,
}: {
  run: ReconciliationRunFragment & { rows?: LatestRun['rows'] };
  currency: string | null;
  pageSize: number;
  onSettled: () => void;
}) {
  if (run.state === 'RUNNING') {
    return (
      <section className="card" aria-labelledby="latest-run-heading">
        <h2 id="latest-run-heading">Latest reconciliation</h2>
        <RunProgress key={run.id} run={run} onSettled={onSettled} />
      </section>
    );
  }
  if (run.state === 'FAILED') {
    return (
      <section className="card" aria-labelledby="latest-run-heading">
        <h2 id="latest-run-heading">Latest reconciliation</h2>
        <div
          className="notice notice-error"
          data-testid="reconciliation-failed"
          data-error-code={run.error?.code ?? undefined}
        >
          <strong>
            The reconciliation of invoices issued {formatCalendarDate(run.from)} to{' '}
            {formatCalendarDate(run.to)} failed
            {run.finishedAt ? ` (${formatDateTime(run.finishedAt)})` : ''}:
          </strong>{' '}
          {run.error?.message ?? 'no reason was recorded.'}{' '}
          {run.error ? <span className="muted">({run.error.code})</span> : null}
        </div>
      </section>
    );
  }
  const summary = run.summary;
  const rows = run.rows;
  return (
    <>
      {summary ? <RunSummary run={run} summary={summary} currency={currency} /> : null}
      {summary && rows && rows.edges.length === 0 ? (
        <p className="notice notice-ok" data-testid="reconciliation-agrees">
          {agreement(summary.invoicesCompared)}
        </p>
      ) : null}
      {rows && rows.edges.length > 0 ? (
        <RowsTable key={run.id} runId={run.id} firstPage={rows} pageSize={pageSize} currency={currency} />
      ) : null}
    </>
  );
}

function agreement(compared: number): string {
  if (compared === 0)
    return 'No invoice sent to QuickBooks was issued in this period: there was nothing to compare.';
  if (compared === 1) return 'QuickBooks agrees with the platform on the 1 invoice compared.';
  return `QuickBooks agrees with the platform on all ${compared} invoices.`;
}
