import type { PlatformInvoice } from '../sync/platform-invoice.js';

/**
 * The platform (host) as the push pipeline reads it. The production implementation asks the host's
 * GraphQL with service credentials scoped to the one tenant (graphql-host-invoices.ts).
 */
export interface HostInvoiceSource {
  /** The invoice as the host holds it now; null when the host does not know it within that tenant. */
  load(tenantId: string, invoiceId: string): Promise<PlatformInvoice | null>;
}

/** What a backfill needs to pick invoices: ids and dates only, the push loads each one in full. */
export interface HostInvoiceSummary {
  id: string;
  number: string;
  status: PlatformInvoice['status'];
  /** ISO date (YYYY-MM-DD). */
  issueDate: string;
}

/** A tenant's invoices listed by status (the host's `invoices(customerId, status)` query). */
export interface HostInvoiceLister {
  list(tenantId: string, status: PlatformInvoice['status']): Promise<HostInvoiceSummary[]>;
}
