import type { Redis } from 'ioredis';
import type { InvoiceSyncStatus } from '../services/sync-status.js';
import { createTenantEvents, type TenantEvents } from './tenant-channels.js';

/** What travels between processes when an invoice's QuickBooks state changes. */
export interface SyncStatusChangedEvent {
  /** The host Customer id the invoice belongs to. */
  tenantId: string;
  status: InvoiceSyncStatus;
}

export type SyncStatusEvents = TenantEvents<SyncStatusChangedEvent>;

/**
 * One channel per tenant (`<prefix>:sync-status-changed:<tenantId>`): an invoice list page and every
 * invoice subscription of that tenant share it.
 */
export function createSyncStatusEvents(options: {
  publishClient: Redis;
  subscribeClient: Redis;
  prefix: string;
}): SyncStatusEvents {
  return createTenantEvents({ ...options, topic: 'sync-status-changed', parse: parseEvent });
}

const DATE_FIELDS = ['lastAttemptAt', 'lastSyncedAt', 'updatedAt'] as const;

/** JSON turns Dates into strings; restore the known date fields of the status. */
function parseEvent(message: string): SyncStatusChangedEvent {
  const event = JSON.parse(message) as SyncStatusChangedEvent;
  const status = event.status as unknown as Record<string, unknown>;
  for (const field of DATE_FIELDS) {
    if (typeof status[field] === 'string') status[field] = new Date(status[field]);
  }
  return event;
}
