import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, filter, pipe } from '@graphql-yoga/subscription';
import type { Redis } from 'ioredis';
import type { InvoiceSyncStatus } from '../services/sync-status.js';

/** What travels between processes when an invoice's QuickBooks state changes. */
export interface SyncStatusChangedEvent {
  parentCompany: string;
  status: InvoiceSyncStatus;
}

type Topics = Record<string, [invoiceId: string, event: SyncStatusChangedEvent]>;

export interface SyncStatusEvents {
  /** Resolves once Redis has taken the message. */
  publish(event: SyncStatusChangedEvent): Promise<void>;
  /** Events for one invoice, delivered only when its tenant is one the subscriber may see. */
  subscribe(invoiceId: string, allowedTenants: ReadonlySet<string>): AsyncIterable<SyncStatusChangedEvent>;
}

/**
 * Redis pub/sub, so a change recorded by a worker process reaches subscribers connected to any API
 * process. The channel name carries the deployment prefix: pub/sub channels ignore key prefixes.
 */
export function createSyncStatusEvents(options: {
  publishClient: Redis;
  subscribeClient: Redis;
  prefix: string;
}): SyncStatusEvents {
  const topic = `${options.prefix}:sync-status-changed`;
  const pubSub = createPubSub<Topics>({
    eventTarget: createRedisEventTarget({
      publishClient: options.publishClient,
      subscribeClient: options.subscribeClient,
      serializer: { stringify: (message) => JSON.stringify(message), parse: parseEvent },
    }),
  });
  return {
    async publish(event) {
      // Published directly rather than through pubSub.publish, which drops ioredis' promise: a failed
      // publish must reach the caller, not become an unhandled rejection. The channel is the one
      // createPubSub subscribes to for a topic with an id: `${topic}:${id}`.
      await options.publishClient.publish(`${topic}:${event.status.invoiceId}`, JSON.stringify(event));
    },
    subscribe(invoiceId, allowedTenants) {
      return pipe(
        pubSub.subscribe(topic, invoiceId),
        filter((event: SyncStatusChangedEvent) => allowedTenants.has(event.parentCompany)),
      );
    },
  };
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
