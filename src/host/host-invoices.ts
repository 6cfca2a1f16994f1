import type { PlatformInvoice } from '../sync/platform-invoice.js';

/**
 * The platform (host) as the push pipeline reads it. The production implementation asks the host's
 * GraphQL with service credentials scoped to the one tenant (graphql-host-invoices.ts).
 */
export interface HostInvoiceSource {
  /** The invoice as the host holds it now; null when the host does not know it within that tenant. */
  load(tenantId: string, invoiceId: string): Promise<PlatformInvoice | null>;
}
