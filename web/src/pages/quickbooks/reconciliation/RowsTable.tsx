import { useState } from 'react';
import { Link } from 'react-router';
import { useClient, type CombinedError } from 'urql';
import { useAnnounce } from '../../../components/Announcer';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { formatDateTime } from '../../../format';
import {
  ReconciliationRowsDocument,
  type ReconciliationRowFieldsFragment,
  type ReconciliationRowPageFragment,
} from '../../../generated/graphql';
import { useSession } from '../../../session';
import { RowActions } from './RowActions';
import { CLASS_WORDS, FIGURE_WORDS, formatCents, formatFigure, ruleWords } from './words';

type Row = ReconciliationRowFieldsFragment;

/** Rows per page, first and "Load more" alike, unless the page is asked for another size. */
export const ROWS_PAGE_SIZE = 20;

/**
 * The invoices that differ, most money at stake first: both sides' figures of every finding, why, and (for
 * admins) what can be done. The first page comes with the run; "Load more" appends the next ones. A row an
 * admin decided on here is shown as the server answered, on whichever page it is.
 */
export function RowsTable({
  runId,
  firstPage,
  pageSize,
  currency,
}: {
  runId: string;
  firstPage: ReconciliationRowPageFragment;
  pageSize: number;
  currency: string | null;
}) {
  const { tenantId, isAdmin } = useSession();
  const client = useClient();
  const announce = useAnnounce();
  const [more, setMore] = useState<{ rows: Row[]; pageInfo: ReconciliationRowPageFragment['pageInfo'] }>();
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<CombinedError | null>(null);
  const [decided, setDecided] = useState<ReadonlyMap<string, Row>>(new Map());
  const [done, setDone] = useState<string | null>(null);

  const rows = [...firstPage.edges.map((edge) => edge.node), ...(more?.rows ?? [])].map(
    (row) => decided.get(row.id) ?? row,
  );
  const pageInfo = more?.pageInfo ?? firstPage.pageInfo;

  async function loadMore() {
    if (!pageInfo.endCursor) return;
    setLoading(true);
    setLoadError(null);
    const result = await client
      .query(
        ReconciliationRowsDocument,
        { customerId: tenantId, id: runId, first: pageSize, after: pageInfo.endCursor },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    setLoading(false);
    const page = result.data?.quickbooksReconciliation?.rows;
    if (result.error || !page) {
      if (result.error) setLoadError(result.error);
      return;
    }
    const added = page.edges.map((edge) => edge.node);
    setMore((previous) => ({ rows: [...(previous?.rows ?? []), ...added], pageInfo: page.pageInfo }));
    announce(`${added.length} more ${added.length === 1 ? 'row' : 'rows'} shown.`);
  }

  function report(message: string) {
    setDone(message);
    announce(message);
  }

  return (
    <section className="card" aria-labelledby="reconciliation-rows-heading">
      <h2 id="reconciliation-rows-heading">Invoices that differ</h2>
      {done ? (
        <p className="notice notice-ok" data-testid="row-action-done">
          {done}
        </p>
      ) : null}
      <div className="reconciliation-table-wrap">
        <table className="reconciliation-rows">
          <caption className="visually-hidden">
            Invoices that differ between the platform and QuickBooks, most money at stake first
          </caption>
          <thead>
            <tr>
              <th scope="col">Invoice</th>
              <th scope="col">Difference</th>
              <th scope="col" className="num">
                Platform
              </th>
              <th scope="col" className="num">
                QuickBooks
              </th>
              <th scope="col">Why</th>
              <th scope="col" className="num">
                At stake
              </th>
              <th scope="col">{isAdmin ? 'Action' : 'Decision'}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <RowView
                key={row.id}
                row={row}
                currency={currency}
                isAdmin={isAdmin}
                onDismissed={(updated, message) => {
                  setDecided((previous) => new Map(previous).set(updated.id, updated));
                  report(message);
                }}
                onDone={report}
              />
            ))}
          </tbody>
        </table>
      </div>
      {loadError ? <ErrorNotice error={loadError} context="More rows could not be read" /> : null}
      <p className="pager">
        <span data-testid="rows-shown">
          {rows.length} {rows.length === 1 ? 'row' : 'rows'} shown
        </span>
        {pageInfo.hasNextPage && pageInfo.endCursor ? (
          <button type="button" className="secondary" onClick={() => void loadMore()} disabled={loading}>
            {loading ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </p>
    </section>
  );
}

function RowView({
  row,
  currency,
  isAdmin,
  onDismissed,
  onDone,
}: {
  row: Row;
  currency: string | null;
  isAdmin: boolean;
  onDismissed: (row: Row, message: string) => void;
  onDone: (message: string) => void;
}) {
  const number = row.invoice?.number ?? row.number;
  const label = number ?? `QuickBooks invoice ${row.quickbooksInvoiceId ?? '?'}`;
  return (
    <tr data-row-id={row.id} data-class={row.class} data-invoice-id={row.invoiceId ?? undefined}>
      <td>
        {row.invoiceId ? (
          <Link to={`/invoices/${row.invoiceId}`}>{number ? `Invoice ${number}` : 'Invoice'}</Link>
        ) : (
          label
        )}
        {row.quickbooksInvoiceId ? (
          <div className="muted">QuickBooks id {row.quickbooksInvoiceId}</div>
        ) : null}
      </td>
      <td data-testid="row-class">{CLASS_WORDS[row.class]}</td>
      <td className="num">
        <Figures row={row} side="ours" currency={currency} />
      </td>
      <td className="num">
        <Figures row={row} side="theirs" currency={currency} />
      </td>
      <td>
        <ul className="findings">
          {row.findings.map((finding, index) => (
            <li key={index} data-finding={finding.class}>
              {finding.explanation}
              {finding.rule ? <div className="muted">Rounding rule: {ruleWords(finding.rule)}</div> : null}
            </li>
          ))}
        </ul>
        {row.platformTaxLines && row.quickbooksTaxLines ? (
          <TaxLines platform={row.platformTaxLines} quickbooks={row.quickbooksTaxLines} currency={currency} />
        ) : null}
      </td>
      <td className="num" data-testid="row-at-stake">
        {formatCents(row.atStakeCents, currency)}
      </td>
      <td>
        {row.dismissed ? (
          <Dismissal dismissed={row.dismissed} />
        ) : isAdmin ? (
          <RowActions row={row} label={label} onDismissed={onDismissed} onDone={onDone} />
        ) : (
          <span className="muted">Open</span>
        )}
      </td>
    </tr>
  );
}

/** Who decided what, when and why. */
function Dismissal({ dismissed }: { dismissed: NonNullable<Row['dismissed']> }) {
  const accepted = dismissed.decision === 'ACCEPT_QUICKBOOKS';
  return (
    <div className="dismissal" data-testid="row-dismissed" data-accepted={String(accepted)}>
      {accepted ? "QuickBooks' figure accepted" : 'Dismissed'} by {dismissed.by} on{' '}
      {formatDateTime(dismissed.at)}: <q>{dismissed.reason}</q>
    </div>
  );
}

/** One side's figure of each finding, saying which figure it is (a row may have several findings). */
function Figures({ row, side, currency }: { row: Row; side: 'ours' | 'theirs'; currency: string | null }) {
  const testId = side === 'ours' ? 'platform-figure' : 'quickbooks-figure';
  return (
    <ul className="figures">
      {row.findings.map((finding, index) => (
        <li key={index} data-testid={testId} data-finding={finding.class}>
          {finding.ours === null && finding.theirs === null ? (
            '—'
          ) : (
            <>
              <span className="muted">{FIGURE_WORDS[finding.class]}</span>{' '}
              {formatFigure(finding[side], currency)}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * QuickBooks' TaxLine breakdown beside the platform's tax per rate, for a tax difference. A list, not a
 * table: it sits inside a row of the rows table.
 */
function TaxLines({
  platform,
  quickbooks,
  currency,
}: {
  platform: NonNullable<ReconciliationRowFieldsFragment['platformTaxLines']>;
  quickbooks: NonNullable<ReconciliationRowFieldsFragment['quickbooksTaxLines']>;
  currency: string | null;
}) {
  const sides = [
    { name: 'Platform', lines: platform },
    { name: 'QuickBooks', lines: quickbooks },
  ];
  return (
    <details className="tax-lines" data-testid="row-tax-lines">
      <summary>Tax per rate</summary>
      <ul>
        {sides.flatMap((side) =>
          side.lines.map((line, index) => (
            <li key={`${side.name}-${index}`}>
              {side.name}: {line.ratePercent !== null ? `${line.ratePercent} %` : (line.name ?? 'a rate')}{' '}
              {formatCents(line.taxCents, currency)}
              {line.netCents !== null ? ` on ${formatCents(line.netCents, currency)}` : ''}
            </li>
          )),
        )}
      </ul>
    </details>
  );
}
