import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, type CombinedError } from 'urql';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { ConnectionStatusPill } from '../../../components/StatusPill';
import { formatDate, formatDateTime } from '../../../format';
import {
  ConnectQuickBooksDocument,
  DisconnectQuickBooksDocument,
  type OverviewConnectionFragment,
} from '../../../generated/graphql';
import { useSession } from '../../../session';
import { MAPPING_PATH, QUICKBOOKS_PATH } from '../../../routes';
import { taxDifferenceLabel } from '../mapping/words';
import { HARD_EXPIRY_WARNING_DAYS } from './words';

const DAY_MS = 24 * 60 * 60 * 1000;

type DisconnectOutcome = { revokedAtQuickBooks: boolean | null } | null;

/** Who is connected, how healthy it is, and (admins) connect, reconnect and disconnect. */
export function ConnectionCard({ connection, now }: { connection: OverviewConnectionFragment; now: number }) {
  const { isAdmin } = useSession();
  const [disconnected, setDisconnected] = useState<DisconnectOutcome>(null);
  const connected = connection.status !== 'DISCONNECTED';

  return (
    <section className="card" aria-labelledby="connection-heading">
      <h2 id="connection-heading">Connection</h2>
      <p className="connection-status">
        Status: <ConnectionStatusPill status={connection.status} />
      </p>
      {disconnected ? (
        <DisconnectedNotice outcome={disconnected} onDismiss={() => setDisconnected(null)} />
      ) : null}
      {connected ? (
        <Connected connection={connection} now={now} isAdmin={isAdmin} onDisconnected={setDisconnected} />
      ) : (
        <NotConnected connection={connection} isAdmin={isAdmin} />
      )}
    </section>
  );
}

function NotConnected({ connection, isAdmin }: { connection: OverviewConnectionFragment; isAdmin: boolean }) {
  return (
    <>
      <p>
        Connecting links this account to one QuickBooks Online company: finalized invoices are then sent to
        QuickBooks automatically, and payments recorded there come back here.
      </p>
      {connection.reason ? <p className="muted">{connection.reason}</p> : null}
      {isAdmin ? (
        <ConnectButton label="Connect to QuickBooks" />
      ) : (
        <p className="muted">An admin of this account can connect QuickBooks.</p>
      )}
    </>
  );
}

function Connected({
  connection,
  now,
  isAdmin,
  onDisconnected,
}: {
  connection: OverviewConnectionFragment;
  now: number;
  isAdmin: boolean;
  onDisconnected: (outcome: DisconnectOutcome) => void;
}) {
  const unhealthy = connection.status === 'NEEDS_REAUTH' || connection.status === 'ERROR';
  const hardExpiry = connection.refreshTokenHardExpiresAt;
  const daysLeft = hardExpiry ? Math.floor((new Date(hardExpiry).getTime() - now) / DAY_MS) : null;
  const hardExpiryNear = daysLeft !== null && daysLeft < HARD_EXPIRY_WARNING_DAYS;

  return (
    <>
      {unhealthy ? (
        <div className="notice notice-error" role="alert" data-testid="connection-problem">
          <strong>
            {connection.status === 'NEEDS_REAUTH'
              ? 'QuickBooks needs to be reconnected.'
              : 'QuickBooks is refusing calls for this company.'}
          </strong>{' '}
          {sentence(connection.reason)}{' '}
          {isAdmin
            ? 'Invoices wait and are sent once QuickBooks is reconnected.'
            : 'Ask an admin of this account to reconnect QuickBooks.'}
          {isAdmin ? (
            <div className="notice-actions">
              <ConnectButton label="Reconnect" />
            </div>
          ) : null}
        </div>
      ) : null}
      {!unhealthy && hardExpiryNear ? (
        <div className="notice notice-warn" data-testid="hard-expiry-warning">
          <strong>Reconnect soon:</strong> QuickBooks limits an authorization to five years, and this one ends
          on {formatDate(hardExpiry)}
          {daysLeft !== null && daysLeft >= 0 ? ` (in ${daysLeft} ${daysLeft === 1 ? 'day' : 'days'})` : ''}.
          Syncing stops then until an admin reconnects.
          {isAdmin ? (
            <div className="notice-actions">
              <ConnectButton label="Reconnect" />
            </div>
          ) : null}
        </div>
      ) : null}
      <dl className="facts">
        <dt>Company</dt>
        <dd data-testid="company-name">{connection.companyName ?? '—'}</dd>
        <dt>QuickBooks company id (realm)</dt>
        <dd>{connection.realmId ?? '—'}</dd>
        <dt>Environment</dt>
        <dd>{environmentWords(connection.environment)}</dd>
        <dt>Connected</dt>
        <dd>
          {formatDateTime(connection.connectedAt)}
          {connection.connectedBy ? ` by ${connection.connectedBy}` : ''}
        </dd>
        <dt>Sync settings</dt>
        <dd>
          {settingsWords(connection.settings)} <Link to={MAPPING_PATH}>Mapping and settings</Link>
        </dd>
        <dt>Authorization</dt>
        <dd>
          Renewed automatically; lapses if unused until {formatDate(connection.refreshTokenExpiresAt)}.
          Five-year limit: {formatDate(hardExpiry)}.
        </dd>
      </dl>
      {isAdmin ? <Disconnect onDisconnected={onDisconnected} /> : null}
    </>
  );
}

const EXISTING_NUMBER_WORDS: Record<OverviewConnectionFragment['settings']['existingInvoiceNumber'], string> =
  {
    LINK: 'linked to the invoice already in QuickBooks',
    SUFFIX: 'sent with a suffix',
    STOP: 'stopped until an admin decides',
  };

function settingsWords(settings: OverviewConnectionFragment['settings']): string {
  return [
    settings.autoSync ? 'Invoices are sent automatically' : 'Automatic sending is off',
    settings.pullPayments ? 'payments recorded in QuickBooks come back' : 'payments are not pulled back',
    `an invoice whose number QuickBooks already has is ${EXISTING_NUMBER_WORDS[settings.existingInvoiceNumber]}`,
    `tax: ${taxDifferenceLabel(settings.taxDifferences).toLowerCase()}.`,
  ].join('; ');
}

/** The server's reason as a sentence of its own (it may come without a full stop). */
function sentence(text: string | null): string {
  if (!text) return '';
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function environmentWords(environment: string | null): string {
  switch (environment) {
    case 'production':
      return 'QuickBooks Online (production)';
    case 'sandbox':
      return "Intuit's sandbox (test company)";
    case 'emulator':
      return 'Local QuickBooks emulator (development)';
    default:
      return environment ?? '—';
  }
}

/** Connect and reconnect are the same round trip: the API gives Intuit's page, the browser goes there. */
function ConnectButton({ label }: { label: string }) {
  const { tenantId } = useSession();
  const [state, connect] = useMutation(ConnectQuickBooksDocument);
  const [leaving, setLeaving] = useState(false);
  const [error, setError] = useState<CombinedError | null>(null);

  const start = async () => {
    setError(null);
    const result = await connect({
      customerId: tenantId,
      returnTo: `${window.location.origin}${QUICKBOOKS_PATH}`,
    });
    const url = result.data?.connectQuickBooks.authorizeUrl;
    if (result.error || !url) {
      if (result.error) setError(result.error);
      return;
    }
    setLeaving(true);
    window.location.assign(url);
  };

  return (
    <>
      <button type="button" onClick={() => void start()} disabled={state.fetching || leaving}>
        {leaving ? 'Opening QuickBooks…' : label}
      </button>
      {error ? <ErrorNotice error={error} context="QuickBooks could not be opened" /> : null}
    </>
  );
}

/** Disconnect with an inline confirmation step (no window.confirm): a reversible but disruptive action. */
function Disconnect({ onDisconnected }: { onDisconnected: (outcome: DisconnectOutcome) => void }) {
  const { tenantId } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [state, disconnect] = useMutation(DisconnectQuickBooksDocument);
  const [error, setError] = useState<CombinedError | null>(null);

  const confirm = async () => {
    setError(null);
    const result = await disconnect({ customerId: tenantId });
    if (result.error || !result.data) {
      if (result.error) setError(result.error);
      return;
    }
    setConfirming(false);
    onDisconnected({ revokedAtQuickBooks: result.data.disconnectQuickBooks.revokedAtQuickBooks });
  };

  if (!confirming) {
    return (
      <>
        <p>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setError(null);
              setConfirming(true);
            }}
          >
            Disconnect QuickBooks
          </button>
        </p>
        {error ? <ErrorNotice error={error} context="QuickBooks was not disconnected" /> : null}
      </>
    );
  }
  return (
    <div className="confirm-step" role="group" aria-labelledby="disconnect-confirm-text">
      <p id="disconnect-confirm-text">
        <strong>Disconnect QuickBooks?</strong> Invoices stop syncing and queued sends are cancelled. Invoices
        already in QuickBooks stay there, and your mappings and settings are kept for when you connect again.
      </p>
      <p className="confirm-actions">
        <button
          type="button"
          className="danger"
          disabled={state.fetching}
          onClick={() => void confirm()}
          // The step replaces the button that opened it: keyboard users land on its first choice.
          autoFocus
        >
          {state.fetching ? 'Disconnecting…' : 'Yes, disconnect'}
        </button>{' '}
        <button
          type="button"
          className="secondary"
          disabled={state.fetching}
          onClick={() => setConfirming(false)}
        >
          Keep connected
        </button>
      </p>
      {error ? <ErrorNotice error={error} context="QuickBooks was not disconnected" /> : null}
    </div>
  );
}

function DisconnectedNotice({
  outcome,
  onDismiss,
}: {
  outcome: NonNullable<DisconnectOutcome>;
  onDismiss: () => void;
}) {
  const dismiss = (
    <button type="button" className="link-button notice-dismiss" onClick={onDismiss}>
      Dismiss
    </button>
  );
  if (outcome.revokedAtQuickBooks === false) {
    return (
      <div className="notice notice-warn" role="status" data-testid="disconnect-outcome" data-revoked="false">
        QuickBooks is disconnected here, but QuickBooks did not confirm that it revoked this app&apos;s
        access. To be sure, remove the app in QuickBooks under <strong>Settings &gt; Apps</strong>. {dismiss}
      </div>
    );
  }
  return (
    <div
      className="notice notice-ok"
      role="status"
      data-testid="disconnect-outcome"
      data-revoked={String(outcome.revokedAtQuickBooks)}
    >
      {outcome.revokedAtQuickBooks
        ? 'QuickBooks is disconnected, and QuickBooks confirmed that this app no longer has access.'
        : 'QuickBooks was already disconnected.'}{' '}
      {dismiss}
    </div>
  );
}
