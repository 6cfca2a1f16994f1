import type {
  InvoicePaymentStatus,
  QuickBooksConnectionStatus,
  QuickBooksSyncState,
} from '../generated/graphql';

type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

/** Sync states in a bookkeeper's words (the server's own names stay visible to tests as data-state). */
export const SYNC_STATE_LABEL: Record<QuickBooksSyncState, { label: string; tone: Tone }> = {
  NOT_SYNCED: { label: 'Not in QuickBooks', tone: 'neutral' },
  QUEUED: { label: 'Queued', tone: 'neutral' },
  SYNCING: { label: 'Sending to QuickBooks', tone: 'neutral' },
  SYNCED: { label: 'In QuickBooks', tone: 'ok' },
  ACTION_REQUIRED: { label: 'Needs attention', tone: 'bad' },
  FAILED: { label: 'Failed, retrying', tone: 'warn' },
  DEAD: { label: 'Failed', tone: 'bad' },
};

export const CONNECTION_STATUS_LABEL: Record<QuickBooksConnectionStatus, { label: string; tone: Tone }> = {
  CONNECTED: { label: 'Connected', tone: 'ok' },
  DISCONNECTED: { label: 'Not connected', tone: 'neutral' },
  NEEDS_REAUTH: { label: 'Reconnect needed', tone: 'bad' },
  ERROR: { label: 'Error', tone: 'bad' },
};

/** The platform's payment status of an invoice (from every payment recorded against it). */
export const PAYMENT_STATUS_LABEL: Record<InvoicePaymentStatus, { label: string; tone: Tone }> = {
  UNPAID: { label: 'Unpaid', tone: 'neutral' },
  PARTIALLY_PAID: { label: 'Partially paid', tone: 'warn' },
  PAID: { label: 'Paid', tone: 'ok' },
};

export function SyncStatePill({ state }: { state: QuickBooksSyncState }) {
  const { label, tone } = SYNC_STATE_LABEL[state];
  return (
    <span className={`pill pill-${tone}`} data-state={state}>
      {label}
    </span>
  );
}

export function ConnectionStatusPill({ status }: { status: QuickBooksConnectionStatus }) {
  const { label, tone } = CONNECTION_STATUS_LABEL[status];
  return (
    <span className={`pill pill-${tone}`} data-status={status}>
      {label}
    </span>
  );
}

export function PaymentStatusPill({ status }: { status: InvoicePaymentStatus }) {
  const { label, tone } = PAYMENT_STATUS_LABEL[status];
  return (
    <span className={`pill pill-${tone}`} data-payment-status={status}>
      {label}
    </span>
  );
}
