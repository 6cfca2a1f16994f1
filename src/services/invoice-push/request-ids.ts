import { createHash } from 'node:crypto';

/** Intuit: "The RequestID can have a maximum of 50 characters for all operations except batch" (§3.7). */
const REQUEST_ID_MAX_LENGTH = 50;

function derived(prefix: string, parts: readonly (string | number)[]): string {
  const digest = createHash('sha256').update(parts.map(String).join('\u0000')).digest('base64url');
  return `${prefix}-${digest}`.slice(0, REQUEST_ID_MAX_LENGTH);
}

/**
 * The invoice create's requestid: the same for every attempt of one create generation, so a resend after a
 * lost answer is a replay QuickBooks answers from its cache instead of a second invoice (while it still
 * remembers the id; the look-up before the resend covers the rest). The realm is part of it: the same
 * invoice pushed to another company after a reconnect is another create.
 */
export function createRequestId(tenantId: string, realmId: string, invoiceId: string, generation: number) {
  return derived('inv', [tenantId, realmId, invoiceId, generation]);
}

/** An update of one host version over one SyncToken: a retried identical update is replayed. */
export function updateRequestId(
  tenantId: string,
  realmId: string,
  quickbooksInvoiceId: string,
  hostVersion: number,
  syncToken: string,
) {
  return derived('upd', [tenantId, realmId, quickbooksInvoiceId, hostVersion, syncToken]);
}

/** The void of one QuickBooks invoice at one SyncToken. */
export function voidRequestId(
  tenantId: string,
  realmId: string,
  quickbooksInvoiceId: string,
  syncToken: string,
) {
  return derived('void', [tenantId, realmId, quickbooksInvoiceId, syncToken]);
}
