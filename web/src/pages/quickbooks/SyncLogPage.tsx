import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { useAnnounce } from '../../components/Announcer';
import { ErrorNotice } from '../../components/ErrorNotice';
import {
  InvoiceSyncActivityDocument,
  SyncLogPageDocument,
  type QuickBooksSyncAttemptOutcome,
  type QuickBooksSyncEntityType,
  type QuickBooksSyncLogFilter,
  type QuickBooksSyncState,
} from '../../generated/graphql';
import { useSession } from '../../session';
import { useSubscriptionEvents } from '../../live';
import type { SyncStatus } from '../invoices/live';
import { ENTITY_LABEL, OUTCOME_LABEL, SyncLogTable, type InvoiceFacts } from './sync-log/SyncLogTable';
import '../invoices/invoices.css';

const OUTCOMES = Object.keys(OUTCOME_LABEL) as QuickBooksSyncAttemptOutcome[];
const ENTITY_TYPES = Object.keys(ENTITY_LABEL) as QuickBooksSyncEntityType[];
const PAGE_SIZES = [10, 20, 50, 100];
const DEFAULT_PAGE_SIZE = 20;

/** A new attempt reaches the log just after the state change that announces it: read it a bit later. */
const REFRESH_AFTER_MS = 800;
/** And once more when things have been quiet for a while, for an entry written late. */
const SETTLE_AFTER_MS = 3000;

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return allowed.find((item) => item === value);
}

/**
 * Every sync attempt of the tenant, newest first, filtered by outcome and type, paged by cursor, and
 * kept current: each pushed state change re-reads the page shown (throttled, from the network).
 */
export function SyncLogPage() {
  const { tenantId } = useSession();
  const announce = useAnnounce();
  const [params, setParams] = useSearchParams();
  const outcome = pick(params.get('outcome'), OUTCOMES);
  const entityType = pick(params.get('type'), ENTITY_TYPES);
  // One entity's attempts, e.g. from an invoice page's "sync log" link.
  const entityId = params.get('entity') ?? undefined;
  const requested = Number(params.get('first'));
  const first =
    Number.isInteger(requested) && requested >= 1 && requested <= 100 ? requested : DEFAULT_PAGE_SIZE;
  // The cursors of the pages before the one shown (forward-only paging: Previous walks this back).
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1) ?? null;
  const filter = useMemo<QuickBooksSyncLogFilter>(
    () => ({
      ...(outcome ? { outcome } : {}),
      ...(entityType ? { entityType } : {}),
      ...(entityId ? { entityId } : {}),
    }),
    [outcome, entityType, entityId],
  );
  const [log, reexecuteLog] = useQuery({
    query: SyncLogPageDocument,
    variables: { customerId: tenantId, filter, first, after },
  });
  const [liveStates, setLiveStates] = useState<ReadonlyMap<string, QuickBooksSyncState>>(new Map());
  const [done, setDone] = useState<string | null>(null);

  const invoices = useMemo(() => {
    const map = new Map<string, InvoiceFacts>();
    for (const { node } of log.data?.quickbooksSyncLog?.edges ?? []) {
      const invoice = node.invoice;
      if (!invoice || map.has(invoice.id)) continue;
      map.set(invoice.id, {
        number: invoice.number,
        state: liveStates.get(invoice.id) ?? invoice.quickbooksSyncStatus?.state ?? null,
      });
    }
    return map;
  }, [log.data, liveStates]);

  const refreshTimer = useRef<number | null>(null);
  const settleTimer = useRef<number | null>(null);
  useEffect(
    () => () => {
      if (refreshTimer.current !== null) window.clearTimeout(refreshTimer.current);
      if (settleTimer.current !== null) window.clearTimeout(settleTimer.current);
    },
    [],
  );
  const liveError = useSubscriptionEvents(InvoiceSyncActivityDocument, { customerId: tenantId }, (event) => {
    const change = event.quickbooksSyncActivity;
    setLiveStates((previous) => new Map(previous).set(change.invoiceId, change.status.state));
    const refresh = () => reexecuteLog({ requestPolicy: 'network-only' });
    if (refreshTimer.current === null) {
      refreshTimer.current = window.setTimeout(() => {
        refreshTimer.current = null;
        refresh();
      }, REFRESH_AFTER_MS);
    }
    if (settleTimer.current !== null) window.clearTimeout(settleTimer.current);
    settleTimer.current = window.setTimeout(() => {
      settleTimer.current = null;
      refresh();
    }, SETTLE_AFTER_MS);
  });

  function setParam(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setCursors([]);
    setParams(next, { replace: true });
  }

  function onDone(invoiceId: string, status: SyncStatus, message: string) {
    setLiveStates((previous) => new Map(previous).set(invoiceId, status.state));
    setDone(message);
    announce(message);
  }

  const connection = log.data?.quickbooksSyncLog;
  const nodes = connection?.edges.map((edge) => edge.node) ?? [];
  const outcomeId = useId();
  const typeId = useId();
  const sizeId = useId();
  const page = cursors.length + 1;

  return (
    <>
      <h1>Sync log</h1>
      <p className="muted">
        Every attempt to send something to QuickBooks, newest first: what was sent, when, the outcome and
        QuickBooks' answer. New attempts appear here as they happen.
      </p>
      {done ? (
        <p className="notice notice-ok" role="status">
          {done}
        </p>
      ) : null}
      {liveError ? (
        <p className="notice notice-warn">
          Live updates are unavailable; reload the page to see new attempts.
        </p>
      ) : null}
      {entityId ? (
        <p>
          Only the attempts for{' '}
          <strong>{invoices.get(entityId) ? `invoice ${invoices.get(entityId)!.number}` : entityId}</strong>.{' '}
          <button type="button" className="link-button" onClick={() => setParam('entity', '')}>
            Show every attempt
          </button>
        </p>
      ) : null}
      <div className="filters" role="group" aria-label="Filters">
        <div>
          <label htmlFor={outcomeId}>Outcome</label>
          <select
            id={outcomeId}
            value={outcome ?? ''}
            onChange={(event) => setParam('outcome', event.target.value)}
          >
            <option value="">All outcomes</option>
            {OUTCOMES.map((value) => (
              <option key={value} value={value}>
                {OUTCOME_LABEL[value]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={typeId}>Type</label>
          <select
            id={typeId}
            value={entityType ?? ''}
            onChange={(event) => setParam('type', event.target.value)}
          >
            <option value="">All types</option>
            {ENTITY_TYPES.map((value) => (
              <option key={value} value={value}>
                {ENTITY_LABEL[value]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={sizeId}>Rows per page</label>
          <select
            id={sizeId}
            value={String(first)}
            onChange={(event) =>
              setParam('first', event.target.value === String(DEFAULT_PAGE_SIZE) ? '' : event.target.value)
            }
          >
            {(PAGE_SIZES.includes(first) ? PAGE_SIZES : [first, ...PAGE_SIZES]).map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </div>
      </div>
      {log.error ? <ErrorNotice error={log.error} context="The sync log could not be read" /> : null}
      {!connection && log.fetching ? <p className="muted">Loading the sync log…</p> : null}
      {connection && nodes.length === 0 ? (
        <p>
          {outcome || entityType
            ? 'No attempts match these filters.'
            : 'Nothing has been sent to QuickBooks yet.'}
        </p>
      ) : null}
      {nodes.length > 0 ? <SyncLogTable nodes={nodes} invoices={invoices} onDone={onDone} /> : null}
      {connection ? (
        <nav className="pager" aria-label="Sync log pages">
          {page > 1 ? (
            <>
              <button type="button" className="secondary" onClick={() => setCursors([])}>
                Newest
              </button>
              <button type="button" className="secondary" onClick={() => setCursors(cursors.slice(0, -1))}>
                Previous page
              </button>
            </>
          ) : null}
          <span data-testid="log-page">Page {page}</span>
          {connection.pageInfo.hasNextPage && connection.pageInfo.endCursor ? (
            <button
              type="button"
              className="secondary"
              onClick={() => setCursors([...cursors, connection.pageInfo.endCursor!])}
            >
              Next page
            </button>
          ) : null}
        </nav>
      ) : null}
    </>
  );
}
