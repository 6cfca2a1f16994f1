import type { AuditLogService } from './audit-log.js';
import { TAX_DIFFERENCE_HOLD } from './invoice-push/failures.js';
import type { InvoiceKey, InvoiceSyncStatus, SyncStatusService, TransitionResult } from './sync-status.js';
import {
  INVOICE_PUSH_JOB_NAME,
  invoicePushJobOptions,
  type InvoiceChange,
  type InvoicePushJobData,
  type InvoicePushTrigger,
} from '../workers/invoice-push-job.js';
import type { JobsOptions } from 'bullmq';
import type { SyncState } from '../sync/state-machine.js';

/** The one thing intake needs of the `qbo-invoice-push` queue (a BullMQ Queue satisfies it). */
export interface InvoicePushQueue {
  add(name: string, data: InvoicePushJobData, opts: JobsOptions): Promise<unknown>;
}

/** A retry or dismissal the invoice's current state does not allow; the message says why, for the admin. */
export class SyncRequestRefusedError extends Error {
  readonly retryable = false;
  constructor(
    message: string,
    /** REFUSED: the state does not allow it. CONTENDED: other writers kept changing the invoice. */
    readonly reason: 'REFUSED' | 'CONTENDED',
    readonly status: InvoiceSyncStatus,
  ) {
    super(message);
    this.name = 'SyncRequestRefusedError';
  }
}

export interface InvoiceIntakeDeps {
  syncStatus: Pick<SyncStatusService, 'transition' | 'getMany'>;
  queue: InvoicePushQueue;
  auditLog: Pick<AuditLogService, 'record'>;
  now: () => Date;
  /** QUICKBOOKS_PUSH_DEBOUNCE_MS. */
  debounceMs: number;
}

const money = (cents: number | undefined) => (cents === undefined ? '?' : (cents / 100).toFixed(2));

const WHY_REFUSED: Record<'RETRY_REQUESTED' | 'DISMISSED', Partial<Record<string, string>>> = {
  RETRY_REQUESTED: {
    QUEUED: 'A push of this invoice is already queued',
    SYNCING: 'This invoice is being pushed right now',
  },
  DISMISSED: {
    NOT_SYNCED: 'This invoice has no sync error to dismiss',
    QUEUED: 'A push of this invoice is queued; there is no error to dismiss',
    SYNCING: 'This invoice is being pushed right now; there is no error to dismiss',
    SYNCED: 'This invoice is already synced to QuickBooks; there is no error to dismiss',
    SYNCED_WITH_DIFFERENCES:
      "This invoice is in QuickBooks with QuickBooks' tax; there is no error to dismiss (retry to push it again)",
  },
};

/**
 * Intake of invoice pushes: the host's change notifications (debounced per invoice), an admin's retry or
 * "sync now", and an admin's dismissal of a sync error. It only queues; the push worker does the rest.
 *
 * Order: the state transition is written before the job is added. A job must never run before its
 * QUEUED is recorded (the worker's STARTED is refused from anything but QUEUED/SYNCING/FAILED, so a job
 * racing ahead of a retry's RETRY_REQUESTED would be dropped). The price: if Redis refuses the add after
 * the write, the invoice reads QUEUED with no job; the caller gets the error and a notification may be
 * sent again (ENQUEUED is accepted from QUEUED).
 */
export class InvoiceIntakeService {
  constructor(private readonly deps: InvoiceIntakeDeps) {}

  /** The host announced a change: QUEUED, and a push after the debounce window. */
  async notify(key: InvoiceKey, change: InvoiceChange): Promise<InvoiceSyncStatus> {
    // ENQUEUED is accepted from every state, so this never refuses; anything else is a bug in the table.
    const result = await this.deps.syncStatus.transition(key, 'ENQUEUED', {});
    const status = this.appliedOrThrow(result);
    await this.enqueue(key, 'NOTIFIED', this.deps.debounceMs, change);
    return status;
  }

  /**
   * An admin's retry, or "sync now" of an invoice never pushed: QUEUED, and a push right away. `onlyFrom`
   * narrows it (a dead-letter replay retries only invoices still DEAD, never a dismissed one).
   */
  async retry(
    key: InvoiceKey,
    options: { onlyFrom?: readonly SyncState[] } = {},
  ): Promise<InvoiceSyncStatus> {
    const result = await this.deps.syncStatus.transition(key, 'RETRY_REQUESTED', {}, options);
    const status = this.appliedOrThrow(result);
    await this.enqueue(key, 'RETRY_REQUESTED', 0);
    return status;
  }

  /** An admin leaves a failed invoice alone until it changes or is retried; the reason goes to the audit log. */
  async dismiss(key: InvoiceKey, actorUserId: string, reason: string): Promise<InvoiceSyncStatus> {
    const [current] = await this.deps.syncStatus.getMany([key]);
    if (current?.state === 'ACTION_REQUIRED' && current.lastError?.code === TAX_DIFFERENCE_HOLD) {
      // The STOP tax setting's hold is on an invoice QuickBooks holds: dismissing it accepts QuickBooks'
      // tax (SYNCED_WITH_DIFFERENCES), it does not make the invoice "not synced".
      const accepted = await this.deps.syncStatus.transition(
        key,
        'DIFFERENCE_ACCEPTED',
        {},
        {
          onlyFrom: ['ACTION_REQUIRED'],
        },
      );
      const status = this.appliedOrThrow(accepted);
      await this.deps.auditLog.record({
        tenantId: key.tenantId,
        actorUserId,
        action: 'QUICKBOOKS_TAX_DIFFERENCE_ACCEPTED',
        outcome: 'SUCCEEDED',
        reason: `invoice ${key.invoiceId}: QuickBooks' tax ${money(current.taxDifference?.theirsCents)} accepted instead of ${money(current.taxDifference?.oursCents)}: ${reason}`,
      });
      return status;
    }
    const result = await this.deps.syncStatus.transition(key, 'DISMISSED', {});
    const status = this.appliedOrThrow(result);
    await this.deps.auditLog.record({
      tenantId: key.tenantId,
      actorUserId,
      action: 'QUICKBOOKS_SYNC_ERROR_DISMISSED',
      outcome: 'SUCCEEDED',
      reason: `invoice ${key.invoiceId}: ${reason}`,
    });
    return status;
  }

  private appliedOrThrow(result: TransitionResult): InvoiceSyncStatus {
    if (result.applied) return result.status;
    const state = result.status.state;
    const why =
      result.reason === 'CONTENDED'
        ? 'This invoice changed at the same moment; send the request again'
        : ((result.event === 'RETRY_REQUESTED' || result.event === 'DISMISSED'
            ? WHY_REFUSED[result.event][state]
            : undefined) ?? `Not possible while the invoice is ${state}`);
    throw new SyncRequestRefusedError(why, result.reason, result.status);
  }

  private async enqueue(
    key: InvoiceKey,
    trigger: InvoicePushTrigger,
    delayMs: number,
    change?: InvoiceChange,
  ): Promise<void> {
    const data: InvoicePushJobData = {
      tenantId: key.tenantId,
      invoiceId: key.invoiceId,
      ...(change ? { change } : {}),
      trigger,
      notifiedAt: this.deps.now().toISOString(),
    };
    await this.deps.queue.add(
      INVOICE_PUSH_JOB_NAME,
      data,
      invoicePushJobOptions(key.tenantId, key.invoiceId, delayMs),
    );
  }
}
