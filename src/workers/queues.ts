/**
 * Every BullMQ queue this product uses. Producers and workers import names from here only.
 *
 * - `qbo-maintenance`: housekeeping on a schedule (sync-log retention). One job scheduler, one worker.
 * - `qbo-token-refresh`: the token refresh sweep (every QUICKBOOKS_REFRESH_EVERY_MINUTES) and token key
 *   rotation (token-refresh.worker.ts).
 * - `qbo-invoice-push`: pushes of finalized invoices, one job per invoice, `data.tenantId` on each. Its
 *   worker comes with the push pipeline; disconnecting a tenant already removes its waiting jobs.
 */
export const QueueName = {
  maintenance: 'qbo-maintenance',
  tokenRefresh: 'qbo-token-refresh',
  invoicePush: 'qbo-invoice-push',
} as const;

/** Queues whose jobs belong to one tenant (`data.tenantId`): a disconnect cancels that tenant's waiting jobs. */
export const TENANT_SCOPED_QUEUES = [QueueName.invoicePush] as const;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const MaintenanceJob = {
  pruneSyncLogs: 'prune-sync-logs',
} as const;
