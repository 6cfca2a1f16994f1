import type { Redis } from 'ioredis';
import { createTenantEvents, type TenantEvents } from './tenant-channels.js';

/**
 * A reconciliation run of a tenant moved on (a phase, a step within it, its end). Ids only: a subscriber
 * reads the run from the store, so an event never carries a stale figure.
 */
export interface ReconciliationChangedEvent {
  tenantId: string;
  runId: string;
}

export type ReconciliationEvents = TenantEvents<ReconciliationChangedEvent>;

/** One channel per tenant (`<prefix>:reconciliation-changed:<tenantId>`). */
export function createReconciliationEvents(options: {
  publishClient: Redis;
  subscribeClient: Redis;
  prefix: string;
}): ReconciliationEvents {
  return createTenantEvents({
    ...options,
    topic: 'reconciliation-changed',
    parse: (message) => {
      const event = JSON.parse(message) as Partial<ReconciliationChangedEvent>;
      if (typeof event.tenantId !== 'string' || typeof event.runId !== 'string')
        throw new Error('not a reconciliation event');
      return { tenantId: event.tenantId, runId: event.runId };
    },
  });
}
