import { useRef } from 'react';
import { useQuery } from 'urql';
import { useAnnounce } from '../../components/Announcer';
import { ErrorNotice } from '../../components/ErrorNotice';
import {
  OverviewConnectionChangedDocument,
  OverviewConnectionDocument,
  OverviewSyncActivityDocument,
  type QuickBooksConnectionStatus,
} from '../../generated/graphql';
import { useSession } from '../../session';
import { BackfillCard } from './overview/BackfillCard';
import { ConnectionCard } from './overview/ConnectionCard';
import { CsvExportCard } from './overview/CsvExportCard';
import { useNow, useSubscriptionEvents, useThrottled } from '../../live';
import { PaymentsCard } from './overview/PaymentsCard';
import { ReturnNotice } from './overview/ReturnNotice';
import { SyncSummaryCard } from './overview/SyncSummaryCard';
import { TaxSetupNotice } from './overview/TaxSetupNotice';
import { connectionChangeWords } from './overview/words';
import './overview.css';

/**
 * Settings → Integrations → QuickBooks: the connection (connect, reconnect, disconnect), the invoice sync at
 * a glance, the payments coming back, and the sync of existing invoices. Everything stays live through the gateway's subscriptions;
 * members see the same page without the controls (the server refuses them anyway).
 */
export function OverviewPage() {
  const { tenantId, isAdmin } = useSession();
  const announce = useAnnounce();
  const now = useNow(15_000);
  const variables = { customerId: tenantId };
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: OverviewConnectionDocument,
    variables,
    // Coming back from another page: show what was read before, and read it again at once.
    requestPolicy: 'cache-and-network',
  });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }));
  // The status last announced or shown, so an event that changes nothing is not read out.
  const lastStatus = useRef<QuickBooksConnectionStatus | null>(null);

  useSubscriptionEvents(OverviewConnectionChangedDocument, variables, ({ quickbooksConnectionChanged }) => {
    const previous = lastStatus.current ?? data?.quickbooksConnection?.status ?? null;
    if (previous !== quickbooksConnectionChanged.status) {
      announce(connectionChangeWords(quickbooksConnectionChanged.status, isAdmin));
    }
    lastStatus.current = quickbooksConnectionChanged.status;
    refresh();
  });
  // Any invoice moving between states changes the summary's counts.
  useSubscriptionEvents(OverviewSyncActivityDocument, variables, () => refresh());

  const connection = data?.quickbooksConnection ?? null;
  return (
    <>
      <h1>QuickBooks</h1>
      <ReturnNotice />
      {error ? <ErrorNotice error={error} context="The QuickBooks connection could not be read" /> : null}
      {!connection && fetching ? <p className="muted">Loading the QuickBooks connection…</p> : null}
      {connection ? (
        <>
          {isAdmin && connection.status === 'CONNECTED' ? <TaxSetupNotice /> : null}
          <ConnectionCard connection={connection} now={now} />
          {connection.syncSummary ? <SyncSummaryCard summary={connection.syncSummary} now={now} /> : null}
          <PaymentsCard
            pullPayments={connection.settings.pullPayments}
            connected={connection.status !== 'DISCONNECTED'}
          />
          {isAdmin && connection.status === 'DISCONNECTED' ? <CsvExportCard /> : null}
        </>
      ) : null}
      <BackfillCard />
    </>
  );
}
