/**
 * Every BullMQ queue this product uses. Producers and workers import names from here only.
 *
 * - `qbo-maintenance`: housekeeping on a schedule (sync-log retention). One job scheduler, one worker.
 *
 * Queues for QuickBooks traffic (invoice push, customer upsert, token refresh, payment pull) are added by
 * the issues that build those pipelines, each in its own file beside this one.
 */
export const QueueName = {
  maintenance: 'qbo-maintenance',
} as const;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const MaintenanceJob = {
  pruneSyncLogs: 'prune-sync-logs',
} as const;
