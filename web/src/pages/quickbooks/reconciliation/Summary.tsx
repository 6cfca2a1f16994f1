import { formatCalendarDate, formatDateTime } from '../../../format';
import type { ReconciliationRunFragment } from '../../../generated/graphql';
import { CLASS_ORDER, CLASS_WORDS, formatCents } from './words';

type Summary = NonNullable<ReconciliationRunFragment['summary']>;

/**
 * A finished run at a glance: how many invoices were compared, the money at stake, the differences per
 * class, what it cost in QuickBooks requests, and the credits customers hold in QuickBooks' receivables.
 */
export function RunSummary({
  run,
  summary,
  currency,
}: {
  run: ReconciliationRunFragment;
  summary: Summary;
  currency: string | null;
}) {
  const counts = new Map(summary.counts.map((count) => [count.class, count.count]));
  const classes = CLASS_ORDER.filter((name) => (counts.get(name) ?? 0) > 0);
  return (
    <section
      className="card"
      aria-labelledby="reconciliation-summary-heading"
      data-testid="reconciliation-summary"
    >
      <h2 id="reconciliation-summary-heading">Summary</h2>
      <p className="muted">
        Invoices issued {formatCalendarDate(run.from)} to {formatCalendarDate(run.to)}, compared{' '}
        {formatDateTime(run.finishedAt ?? run.startedAt)}.
      </p>
      <dl className="facts">
        <dt>Invoices compared</dt>
        <dd data-testid="invoices-compared">{summary.invoicesCompared}</dd>
        <dt>Money at stake</dt>
        <dd data-testid="at-stake">{formatCents(summary.atStakeCents, currency)}</dd>
        <dt>QuickBooks requests</dt>
        <dd data-testid="read-calls">
          {plural(summary.readCalls.reports, 'report')}, {plural(summary.readCalls.rereads, 're-read')} of
          invoices that differ
          {summary.readCalls.changeDataCapture > 0
            ? `, ${plural(summary.readCalls.changeDataCapture, 'read')} of what changed since the last run`
            : ''}
        </dd>
      </dl>
      {classes.length > 0 ? (
        <table className="summary-counts" data-testid="class-counts">
          <caption>Invoices that differ, by kind of difference</caption>
          <thead>
            <tr>
              <th scope="col">Difference</th>
              <th scope="col" className="num">
                Invoices
              </th>
            </tr>
          </thead>
          <tbody>
            {classes.map((name) => (
              <tr key={name} data-class={name}>
                <th scope="row">{CLASS_WORDS[name]}</th>
                <td className="num">{counts.get(name)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ReceivableCredits credits={summary.receivableCredits} to={run.to} currency={currency} />
    </section>
  );
}

function ReceivableCredits({
  credits,
  to,
  currency,
}: {
  credits: Summary['receivableCredits'];
  to: string;
  currency: string | null;
}) {
  return (
    <div data-testid="receivable-credits">
      <h3>Credits customers hold in QuickBooks</h3>
      {credits.length === 0 ? (
        <p className="muted">No customer holds a credit in QuickBooks on {formatCalendarDate(to)}.</p>
      ) : (
        <>
          <p className="muted">
            Unapplied payments and credit memos with credit left on {formatCalendarDate(to)}: money QuickBooks
            owes customers, which no invoice row shows.
          </p>
          <ul className="receivable-credits">
            {credits.map((credit, index) => (
              <li
                key={`${credit.txnType}-${credit.quickbooksId ?? index}`}
                data-quickbooks-id={credit.quickbooksId}
              >
                <strong>{formatCents(Math.abs(credit.openBalanceCents), currency)}</strong> credit for{' '}
                {credit.customerName}: {credit.txnType}
                {credit.docNumber ? ` ${credit.docNumber}` : ''}
                {credit.quickbooksId ? (
                  <span className="muted"> (QuickBooks id {credit.quickbooksId})</span>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
