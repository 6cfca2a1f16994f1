/**
 * Every BullMQ queue this product uses. Producers and workers import names from here only.
 *
 * - `qbo-maintenance`: housekeeping on a schedule (sync-log retention). One job scheduler, one worker.
 * - `qbo-token-refresh`: the token refresh sweep (every QUICKBOOKS_REFRESH_EVERY_MINUTES) and token key
 *   rotation (token-refresh.worker.ts).
 * - `qbo-invoice-push`: pushes of finalized invoices, one job per invoice, `data.tenantId` on each. Its
 *   worker comes with the push pipeline; disconnecting a tenant already removes its waiting jobs.
 * - `qbo-backfill`: a tenant's backfill (syncExistingQuickBooksInvoices): one planner job, then one job per
 *   chunk of up to 30 invoices sent as one batch create (backfill.worker.ts). A queue of its own so one
 *   tenant's thousands of invoices never sit in front of another tenant's single push.
 * - `quickbooks-webhook-events`: one job per QuickBooks webhook event (Payment, Invoice, CreditMemo) routed
 *   to its tenant, job id derived from the event id so a redelivered event is not queued twice
 *   (src/services/webhooks/intake.ts), drained by the payment pull (payment-pull.worker.ts).
 * - `qbo-payment-sweep`: the change-data-capture backstop of the payment pull: a scheduled planner job
 *   adds one sweep job per connected customer that pulls payments (deduplicated while one is pending).
 * - `qbo-reconciliation`: one job per reconciliation run an admin asked for (reconciliation.worker.ts).
 */
export const QueueName = {
  maintenance: 'qbo-maintenance',
  tokenRefresh: 'qbo-token-refresh',
  invoicePush: 'qbo-invoice-push',
  backfill: 'qbo-backfill',
  webhookEvents: 'quickbooks-webhook-events',
  paymentSweep: 'qbo-payment-sweep',
  reconciliation: 'qbo-reconciliation',
} as const;

/** Queues whose jobs belong to one tenant (`data.tenantId`): a disconnect cancels that tenant's waiting jobs. */
export const TENANT_SCOPED_QUEUES = [
  QueueName.invoicePush,
  QueueName.backfill,
  QueueName.webhookEvents,
  QueueName.paymentSweep,
  QueueName.reconciliation,
] as const;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const MaintenanceJob = {
  pruneSyncLogs: 'prune-sync-logs',
  requeueOrphanedPushes: 'requeue-orphaned-pushes',
} as const;
