import { registerEnumType } from 'type-graphql';

export enum QuickBooksConnectionStatus {
  CONNECTED = 'CONNECTED',
  DISCONNECTED = 'DISCONNECTED',
  NEEDS_REAUTH = 'NEEDS_REAUTH',
  ERROR = 'ERROR',
}

registerEnumType(QuickBooksConnectionStatus, {
  name: 'QuickBooksConnectionStatus',
  description: 'Whether this tenant can sync with QuickBooks right now',
  valuesConfig: {
    CONNECTED: { description: 'Tokens are valid; syncing can proceed' },
    DISCONNECTED: { description: 'No QuickBooks company is connected' },
    NEEDS_REAUTH: {
      description: 'A company was connected but its authorization lapsed; an admin must reconnect',
    },
    ERROR: {
      description: 'A company is connected but QuickBooks refuses its calls; `reason` says what to do',
    },
  },
});

export enum QuickBooksSyncState {
  NOT_SYNCED = 'NOT_SYNCED',
  QUEUED = 'QUEUED',
  SYNCING = 'SYNCING',
  SYNCED = 'SYNCED',
  SYNCED_WITH_DIFFERENCES = 'SYNCED_WITH_DIFFERENCES',
  ACTION_REQUIRED = 'ACTION_REQUIRED',
  FAILED = 'FAILED',
  DEAD = 'DEAD',
}

registerEnumType(QuickBooksSyncState, {
  name: 'QuickBooksSyncState',
  description: 'Where an invoice stands in QuickBooks',
  valuesConfig: {
    NOT_SYNCED: {
      description:
        'No push is pending: never pushed, voided before it reached QuickBooks, or its error was dismissed',
    },
    QUEUED: { description: 'A push is waiting in the queue' },
    SYNCING: { description: 'A push is in progress' },
    SYNCED: { description: 'QuickBooks holds the current version of this invoice' },
    SYNCED_WITH_DIFFERENCES: {
      description:
        "QuickBooks holds the current version, but its tax differs from the platform's (automated sales tax, rounding, sales tax turned off); `taxDifference` says by how much and why",
    },
    ACTION_REQUIRED: {
      description:
        'The push stopped on something only a person can fix (a missing mapping, a validation error, closed books); see lastError, fix it, then retry',
    },
    FAILED: { description: 'The last push failed; see lastError. A retry is scheduled automatically' },
    DEAD: {
      description:
        'Every automatic retry failed; the push waits in the dead letter until an admin retries or dismisses it',
    },
  },
});
