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
  FAILED = 'FAILED',
}

registerEnumType(QuickBooksSyncState, {
  name: 'QuickBooksSyncState',
  description: 'Where an invoice stands in QuickBooks',
  valuesConfig: {
    NOT_SYNCED: { description: 'Never pushed to QuickBooks' },
    QUEUED: { description: 'A push is waiting in the queue' },
    SYNCING: { description: 'A push is in progress' },
    SYNCED: { description: 'QuickBooks holds the current version of this invoice' },
    FAILED: { description: 'The last push failed; see lastError' },
  },
});
