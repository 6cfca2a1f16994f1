import type { Redis } from 'ioredis';
import { createTenantEvents, type TenantEvents } from '../../events/tenant-channels.js';
import type { BackfillView } from './types.js';

/** What travels between processes when a backfill's progress changes. */
export interface BackfillProgressEvent {
  tenantId: string;
  backfill: BackfillView;
}

export type BackfillProgressEvents = TenantEvents<BackfillProgressEvent>;

/** One channel per tenant (`<prefix>:quickbooks-backfill-progress:<tenantId>`). */
export function createBackfillProgressEvents(options: {
  publishClient: Redis;
  subscribeClient: Redis;
  prefix: string;
}): BackfillProgressEvents {
  return createTenantEvents({ ...options, topic: 'quickbooks-backfill-progress', parse });
}

const DATE_FIELDS = ['startedAt', 'finishedAt'] as const;

function parse(message: string): BackfillProgressEvent {
  const event = JSON.parse(message) as BackfillProgressEvent;
  if (typeof event.tenantId !== 'string' || typeof event.backfill?.id !== 'string') {
    throw new Error('not a backfill progress event');
  }
  const backfill = event.backfill as unknown as Record<string, unknown>;
  for (const field of DATE_FIELDS) {
    if (typeof backfill[field] === 'string') backfill[field] = new Date(backfill[field]);
  }
  return event;
}
