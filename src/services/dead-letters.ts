import type { Models } from '../models/index.js';
import { SyncRequestRefusedError, type InvoiceIntakeService } from './invoice-intake.js';

export interface DeadLetterReplayOptions {
  /** Only this tenant's dead letters; all tenants when absent (an operator's decision, logged by the CLI). */
  tenantId?: string;
  /** Only dead letters whose last error has one of these codes (e.g. QUICKBOOKS_UNAVAILABLE after an outage). */
  codes?: readonly string[];
  /** At most this many, oldest first: replays are pushes, and a realm's budget is 500 requests a minute. */
  limit: number;
  /** List what would be replayed without queueing anything. */
  dryRun?: boolean;
}

export interface DeadLetter {
  tenantId: string;
  invoiceId: string;
  code?: string;
  deadSince?: Date;
}

export interface DeadLetterReplay {
  found: DeadLetter[];
  replayed: number;
  /** Changed between the listing and the retry (already retried, edited, dismissed): left as they are. */
  refused: (DeadLetter & { reason: string })[];
}

/**
 * Replays invoices in the dead letter (DEAD) the way an admin's retry does (`InvoiceIntakeService.retry`:
 * RETRY_REQUESTED through the state table, then a push job due at once), so a replay can never overtake a
 * newer change or resurrect a dismissed error: the table refuses anything that is no longer DEAD.
 * BullMQ's failed set is not replayed directly: its jobs carry old notifications, while the sync state is
 * the truth about which invoices still need a push.
 */
export async function replayDeadLetters(
  deps: { models: Pick<Models, 'invoiceSyncStates'>; intake: Pick<InvoiceIntakeService, 'retry'> },
  options: DeadLetterReplayOptions,
): Promise<DeadLetterReplay> {
  if (!Number.isInteger(options.limit) || options.limit < 1) {
    throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
  }
  const filter: Record<string, unknown> = { state: 'DEAD' };
  if (options.tenantId !== undefined) filter.tenantId = options.tenantId;
  if (options.codes?.length) filter['lastError.code'] = { $in: [...options.codes] };
  const docs = await deps.models.invoiceSyncStates
    .find(filter, { tenantId: 1, invoiceId: 1, lastError: 1, updatedAt: 1 })
    .sort({ updatedAt: 1 })
    .limit(options.limit)
    .lean<{ tenantId: string; invoiceId: string; lastError?: { code?: string }; updatedAt?: Date }[]>();
  const found: DeadLetter[] = docs.map((doc) => ({
    tenantId: doc.tenantId,
    invoiceId: doc.invoiceId,
    ...(doc.lastError?.code ? { code: doc.lastError.code } : {}),
    ...(doc.updatedAt ? { deadSince: doc.updatedAt } : {}),
  }));
  const result: DeadLetterReplay = { found, replayed: 0, refused: [] };
  if (options.dryRun) return result;
  for (const letter of found) {
    try {
      await deps.intake.retry(
        { tenantId: letter.tenantId, invoiceId: letter.invoiceId },
        { onlyFrom: ['DEAD'] },
      );
      result.replayed += 1;
    } catch (error) {
      if (!(error instanceof SyncRequestRefusedError)) throw error;
      result.refused.push({ ...letter, reason: error.message });
    }
  }
  return result;
}
