import type { Redis } from 'ioredis';
import { createTenantEvents, type TenantEvents } from './tenant-channels.js';

/**
 * "This tenant's QuickBooks connection changed": nothing else travels. Subscribers read the connection
 * afresh, so no credential or reason text crosses Redis and a late event never shows an older state.
 */
export interface ConnectionChangedEvent {
  tenantId: string;
}

export type ConnectionEvents = TenantEvents<ConnectionChangedEvent>;

export function createConnectionEvents(options: {
  publishClient: Redis;
  subscribeClient: Redis;
  prefix: string;
}): ConnectionEvents {
  return createTenantEvents({
    ...options,
    topic: 'quickbooks-connection-changed',
    parse: (message) => {
      const event = JSON.parse(message) as { tenantId?: unknown };
      if (typeof event.tenantId !== 'string') throw new Error('not a connection event');
      return { tenantId: event.tenantId };
    },
  });
}
