import { useCallback, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { QUICKBOOKS_PATH } from '../../routes';
import { useAnnounce } from '../../components/Announcer';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatDateTime } from '../../format';
import {
  MappingConnectionDocument,
  MappingListDocument,
  MappingReadinessDocument,
  MappingRefreshReferenceDataDocument,
  MappingReferenceDataDocument,
  type QuickBooksMappingKind,
} from '../../generated/graphql';
import { useSession } from '../../session';
import { BlockingKeys } from './mapping/BlockingKeys';
import { MappingPageContext, type MappingPageContextValue } from './mapping/context';
import { MappingTable } from './mapping/MappingTable';
import { SettingsForm } from './mapping/SettingsForm';
import { TargetPicker } from './mapping/TargetPicker';
import { sourceKeyLabel } from './mapping/words';
import './mapping.css';

const NETWORK_ONLY = { requestPolicy: 'network-only' } as const;

/** The account-wide mappings every company needs once, whatever the invoices use. */
const SINGLETONS: { kind: QuickBooksMappingKind; help: string }[] = [
  { kind: 'INCOME_ACCOUNT', help: 'Where items the sync creates in QuickBooks post their income.' },
  {
    kind: 'DEPOSIT_ACCOUNT',
    help: 'Where payments pulled from QuickBooks are deposited: a Bank account or Undeposited Funds.',
  },
];

/**
 * Settings → Integrations → QuickBooks → Mapping: what blocks the first sync (with suggestions), the
 * mappings, a refresh of the company's lists, and the sync settings. Members read; admins change.
 */
export function MappingPage() {
  const { tenantId: customerId, isAdmin } = useSession();
  const announce = useAnnounce();
  const variables = useMemo(() => ({ customerId }), [customerId]);
  const [connection, reexecuteConnection] = useQuery({ query: MappingConnectionDocument, variables });
  const status = connection.data?.quickbooksConnection?.status;
  const connected = status !== undefined && status !== 'DISCONNECTED';
  const [readiness, reexecuteReadiness] = useQuery({
    query: MappingReadinessDocument,
    variables,
    pause: !connected,
  });
  const [list, reexecuteList] = useQuery({ query: MappingListDocument, variables, pause: !connected });
  const [reference, reexecuteReference] = useQuery({
    query: MappingReferenceDataDocument,
    variables,
    pause: !connected,
  });
  const [refresh, refreshLists] = useMutation(MappingRefreshReferenceDataDocument);
  const [success, setSuccess] = useState<string | null>(null);

  const refetchAll = useCallback(() => {
    reexecuteReadiness(NETWORK_ONLY);
    reexecuteList(NETWORK_ONLY);
    reexecuteReference(NETWORK_ONLY);
  }, [reexecuteReadiness, reexecuteList, reexecuteReference]);
  const reportSuccess = useCallback(
    (message: string) => {
      setSuccess(message);
      announce(message);
    },
    [announce],
  );
  const context = useMemo<MappingPageContextValue>(
    () => ({ customerId, isAdmin, reference: reference.data, refetchAll, reportSuccess }),
    [customerId, isAdmin, reference.data, refetchAll, reportSuccess],
  );

  const onRefresh = async () => {
    const result = await refreshLists({ customerId });
    const payload = result.data?.refreshQuickBooksReferenceData;
    if (payload) {
      reportSuccess(
        `QuickBooks lists refreshed as of ${formatDateTime(payload.asOf)}: ${payload.itemCount} items, ${payload.taxCodeCount} tax codes, ${payload.accountCount} accounts, ${payload.classCount} classes, ${payload.termCount} payment terms.`,
      );
      refetchAll();
    }
  };

  const conn = connection.data?.quickbooksConnection;
  const mappings = list.data?.quickbooksMappings;
  const asOf =
    reference.data?.quickbooksItems?.asOf ?? reference.data?.quickbooksCompanyFacts?.asOf ?? undefined;
  const unmappedSingletons = mappings
    ? SINGLETONS.filter((s) => !mappings.some((m) => m.kind === s.kind))
    : [];

  return (
    <MappingPageContext.Provider value={context}>
      <h1>Mapping</h1>
      <p className="muted">
        Which QuickBooks items, tax codes, classes and accounts stand for what your invoices use.
        {isAdmin ? null : ' You can read them; an admin of this account changes them.'}
      </p>
      {connection.error ? (
        <ErrorNotice error={connection.error} context="The QuickBooks connection could not be read" />
      ) : null}
      {!connection.data && connection.fetching ? <p className="muted">Loading…</p> : null}
      {connection.data && !connected ? (
        <div className="notice notice-warn" data-testid="not-connected">
          QuickBooks is not connected, so there is nothing to map yet.{' '}
          <Link to={QUICKBOOKS_PATH}>Connect QuickBooks in the QuickBooks panel</Link>.
        </div>
      ) : null}
      {conn && (status === 'NEEDS_REAUTH' || status === 'ERROR') ? (
        <div className="notice notice-warn">
          QuickBooks needs attention before the lists can be read again.{' '}
          <Link to={QUICKBOOKS_PATH}>Open the QuickBooks panel</Link>.
        </div>
      ) : null}
      {success ? <p className="notice notice-ok">{success}</p> : null}

      {connected ? (
        <>
          <section className="card reference-bar" aria-labelledby="lists-heading">
            <h2 id="lists-heading">QuickBooks lists</h2>
            <p>
              {conn?.companyName ? `${conn.companyName}: ` : null}
              items, tax codes, accounts, classes and payment terms{' '}
              <span data-testid="lists-as-of">as of {asOf ? formatDateTime(asOf) : '—'}</span>.
              {isAdmin ? ' Refresh after changing things in QuickBooks.' : null}
            </p>
            {isAdmin ? (
              <button
                type="button"
                className="secondary"
                disabled={refresh.fetching}
                onClick={() => void onRefresh()}
              >
                {refresh.fetching ? 'Refreshing…' : 'Refresh from QuickBooks'}
              </button>
            ) : null}
            {refresh.error ? (
              <ErrorNotice error={refresh.error} context="The QuickBooks lists were not refreshed" />
            ) : null}
            {reference.error ? (
              <ErrorNotice error={reference.error} context="The QuickBooks lists could not be read" />
            ) : null}
          </section>

          <BlockingKeys data={readiness.data} error={readiness.error} fetching={readiness.fetching} />

          {unmappedSingletons.length > 0 ? (
            <section className="card" aria-labelledby="accounts-heading">
              <h2 id="accounts-heading">Accounts</h2>
              {unmappedSingletons.map((singleton) => (
                <div key={singleton.kind} className="singleton">
                  <h3>{sourceKeyLabel(singleton.kind)}</h3>
                  <p className="muted">{singleton.help} Not mapped yet.</p>
                  {isAdmin ? <TargetPicker kind={singleton.kind} sourceKey={singleton.kind} /> : null}
                </div>
              ))}
            </section>
          ) : null}

          <MappingTable mappings={mappings} error={list.error} fetching={list.fetching} />
        </>
      ) : null}

      {conn ? (
        <SettingsForm
          key={JSON.stringify(conn.settings)}
          settings={conn.settings}
          onSaved={() => reexecuteConnection(NETWORK_ONLY)}
        />
      ) : null}
    </MappingPageContext.Provider>
  );
}
