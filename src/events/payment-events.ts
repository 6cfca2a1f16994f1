import type { Redis } from 'ioredis';
import { createTenantEvents, type TenantEvents } from './tenant-channels.js';

/**
 * What travels between processes when what QuickBooks says was paid on one of a tenant's invoices changes
 * (a payment applied, edited, unapplied, voided or deleted, or the balance read again). Ids only: a
 * subscriber reads the current payments from the store, so an event can never carry a stale amount.
 */
export interface InvoicePaymentsChangedEvent {
  tenantId: string;
  invoiceId: string;
}

export type PaymentEvents = TenantEvents<InvoicePaymentsChangedEvent>;

/** One channel per tenant (`<prefix>:invoice-payments-changed:<tenantId>`). */
export function createPaymentEvents(options: {
  publishClient: Redis;
  subscribeClient: Redis;
  prefix: string;
}): PaymentEvents {
  return createTenantEvents({
    ...options,
    topic: 'invoice-payments-changed',
    parse: (message) => {
      const event = JSON.parse(message) as Partial<InvoicePaymentsChangedEvent>;
      if (typeof event.tenantId !== 'string' || typeof event.invoiceId !== 'string')
        throw new Error('not an invoice payments event');
      return { tenantId: event.tenantId, invoiceId: event.invoiceId };
    },
  });
}
