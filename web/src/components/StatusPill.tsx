import type {
  InvoicePaymentStatus,
  QuickBooksConnectionStatus,
  QuickBooksSyncState,
  QuickBooksTaxParityRisk,
} from '../generated/graphql';

type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

/** Sync states in a bookkeeper's words (the server's own names stay visible to tests as data-state). */
export const SYNC_STATE_LABEL: Record<QuickBooksSyncState, { label: string; tone: Tone }> = {
  NOT_SYNCED: { label: 'Not in QuickBooks', tone: 'neutral' },
  QUEUED: { label: 'Queued', tone: 'neutral' },
  SYNCING: { label: 'Sending to QuickBooks', tone: 'neutral' },
  SYNCED: { label: 'In QuickBooks', tone: 'ok' },
  // In QuickBooks, but not as billed: worth a look, not a failure (the invoice page says why).
  SYNCED_WITH_DIFFERENCES: { label: 'In QuickBooks, tax differs', tone: 'warn' },
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

/** How likely QuickBooks is to hold another tax than the platform's, as the preview predicts it. */
export const TAX_PARITY_LABEL: Record<QuickBooksTaxParityRisk, { label: string; tone: Tone }> = {
  NONE: { label: 'Tax kept as billed', tone: 'ok' },
  LOW: { label: 'Tax may differ', tone: 'warn' },
  HIGH: { label: 'Tax will differ', tone: 'bad' },
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

export function TaxParityPill({ risk }: { risk: QuickBooksTaxParityRisk }) {
  const { label, tone } = TAX_PARITY_LABEL[risk];
  return (
    <span className={`pill pill-${tone}`} data-risk={risk}>
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
