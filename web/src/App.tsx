import { useEffect, useMemo } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation, useSearchParams } from 'react-router';
import { Provider, useQuery } from 'urql';
import { LayoutSyncActivityDocument, SignedInCustomerDocument } from './generated/graphql';
import { createGraphqlClient } from './graphql/client';
import { useSubscriptionEvents, useThrottled } from './live';
import { InvoiceListPage } from './pages/invoices/InvoiceListPage';
import { InvoicePage } from './pages/invoices/InvoicePage';
import { MappingPage } from './pages/quickbooks/MappingPage';
import { OverviewPage } from './pages/quickbooks/OverviewPage';
import { ReconciliationPage } from './pages/quickbooks/ReconciliationPage';
import { SyncLogPage } from './pages/quickbooks/SyncLogPage';
import { afterSignIn, SignInPage } from './pages/SignInPage';
import { MAPPING_PATH, QUICKBOOKS_PATH, RECONCILIATION_PATH, SYNC_LOG_PATH } from './routes';
import type { RuntimeConfig } from './runtime-config';
import { useSession, useSessionControls } from './session';

export function App({ config }: { config: RuntimeConfig }) {
  const { session, signOut } = useSessionControls();
  const location = useLocation();
  const graphql = useMemo(
    () => (session ? createGraphqlClient(config.gatewayUrl, session.token, () => signOut('expired')) : null),
    [config.gatewayUrl, session, signOut],
  );
  useEffect(() => () => graphql?.dispose(), [graphql]);

  if (!session || !graphql) {
    return (
      <Routes>
        <Route path="/sign-in" element={<SignInPage config={config} />} />
        <Route
          path="*"
          element={
            <Navigate
              to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`}
              replace
            />
          }
        />
      </Routes>
    );
  }
  return (
    <Provider value={graphql.client}>
      <Layout>
        <Routes>
          <Route path="/" element={<Navigate to={QUICKBOOKS_PATH} replace />} />
          <Route path="/sign-in" element={<SignedIn />} />
          <Route path={QUICKBOOKS_PATH} element={<OverviewPage />} />
          <Route path={MAPPING_PATH} element={<MappingPage />} />
          <Route path={SYNC_LOG_PATH} element={<SyncLogPage />} />
          <Route path={RECONCILIATION_PATH} element={<ReconciliationPage />} />
          <Route path="/invoices" element={<InvoiceListPage />} />
          <Route path="/invoices/:invoiceId" element={<InvoicePage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Layout>
    </Provider>
  );
}

function Layout({ children }: { children: React.ReactNode }) {
  const session = useSession();
  const { signOut } = useSessionControls();
  const variables = { customerId: session.tenantId };
  const [{ data }, reexecute] = useQuery({ query: SignedInCustomerDocument, variables });
  const refresh = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 2000);
  useSubscriptionEvents(LayoutSyncActivityDocument, variables, refresh);
  const tenantName = data?.customer?.name ?? session.tenantId;
  const needsAttention = (data?.customer?.quickbooksConnection?.syncSummary?.counts ?? [])
    .filter((c) => c.state === 'ACTION_REQUIRED' || c.state === 'DEAD')
    .reduce((sum, c) => sum + c.count, 0);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <span className="brand">Field service</span>
        <span className="who" data-testid="signed-in-as">
          {tenantName} · {session.userId} ({session.isAdmin ? 'admin' : 'member, read-only'})
        </span>
        <button type="button" className="link-button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <nav aria-label="Main" className="app-nav">
        <p className="nav-heading">Settings → Integrations</p>
        <ul>
          <li>
            <NavLink to={QUICKBOOKS_PATH} end>
              QuickBooks
            </NavLink>
          </li>
          <li>
            <NavLink to={MAPPING_PATH}>Mapping</NavLink>
          </li>
          <li>
            <NavLink to={SYNC_LOG_PATH}>
              Sync log
              {needsAttention > 0 ? (
                <span className="badge" data-testid="needs-attention">
                  {' '}
                  ({needsAttention} {needsAttention === 1 ? 'needs' : 'need'} attention)
                </span>
              ) : null}
            </NavLink>
          </li>
          <li>
            <NavLink to={RECONCILIATION_PATH}>Reconciliation</NavLink>
          </li>
        </ul>
        <p className="nav-heading">Billing</p>
        <ul>
          <li>
            <NavLink to="/invoices">Invoices</NavLink>
          </li>
        </ul>
      </nav>
      <main id="main" className="page" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** The sign-in page once signed in: on to where the person was going. */
function SignedIn() {
  const [params] = useSearchParams();
  return <Navigate to={afterSignIn(params)} replace />;
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <NavLink to={QUICKBOOKS_PATH}>Go to the QuickBooks settings</NavLink>
      </p>
    </>
  );
}
