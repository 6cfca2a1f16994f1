import type { CustomerRecord, InvoicePaymentRecord, InvoiceRecord, InvoiceStatus } from './model.js';
import { seedData } from './seed.js';

/**
 * The demo host's in-memory database. Reads return copies, so callers (resolvers, tests) cannot change
 * stored records by accident; writes go through `insertInvoice` / `replaceInvoice` / `putPayment`.
 * No tenant checks here: the GraphQL layer applies them.
 */
export class HostStore {
  private customers = new Map<string, CustomerRecord>();
  private invoices = new Map<string, InvoiceRecord>();
  /**
   * Payments by invoice id, then by (source, externalId). Kept beside the invoices, not in them, so
   * recording one never rewrites the invoice record (whose `version` only invoice changes move).
   */
  private payments = new Map<string, Map<string, InvoicePaymentRecord>>();

  constructor() {
    this.reset();
  }

  /** Drops every change and reloads the deterministic seed (ids, numbers and sequences included). */
  reset(): void {
    const seed = seedData();
    this.customers = new Map(seed.customers.map((c) => [c.id, c]));
    this.invoices = new Map(seed.invoices.map((i) => [i.id, i]));
    this.payments = new Map();
  }

  getCustomer(id: string): CustomerRecord | undefined {
    const customer = this.customers.get(id);
    return customer && structuredClone(customer);
  }

  listCustomers(): CustomerRecord[] {
    return [...this.customers.values()].map((c) => structuredClone(c));
  }

  getInvoice(id: string): InvoiceRecord | undefined {
    const invoice = this.invoices.get(id);
    return invoice && structuredClone(invoice);
  }

  /** A tenant's invoices in creation order, optionally in one status. */
  listInvoices(customerId: string, status?: InvoiceStatus | null): InvoiceRecord[] {
    return [...this.invoices.values()]
      .filter((i) => i.customerId === customerId && (!status || i.status === status))
      .map((i) => structuredClone(i));
  }

  /** The tenant's next invoice id and number, without taking them. */
  peekInvoiceIdentity(customerId: string): { id: string; number: string } {
    const customer = this.customers.get(customerId);
    if (!customer) throw new Error(`unknown customer ${customerId}`);
    const sequence = customer.nextSequence;
    return { id: `inv-${customer.slug}-${sequence}`, number: `${customer.numberPrefix}-${sequence}` };
  }

  /** Takes the tenant's next invoice id and number. */
  allocateInvoiceIdentity(customerId: string): { id: string; number: string } {
    const identity = this.peekInvoiceIdentity(customerId);
    const customer = this.customers.get(customerId);
    if (customer) customer.nextSequence += 1;
    return identity;
  }

  insertInvoice(invoice: InvoiceRecord): void {
    if (this.invoices.has(invoice.id)) throw new Error(`invoice ${invoice.id} exists`);
    this.invoices.set(invoice.id, structuredClone(invoice));
  }

  replaceInvoice(invoice: InvoiceRecord): void {
    if (!this.invoices.has(invoice.id)) throw new Error(`invoice ${invoice.id} does not exist`);
    this.invoices.set(invoice.id, structuredClone(invoice));
  }

  /** Every payment recorded against an invoice (amount 0 included), in the order first recorded. */
  listPayments(invoiceId: string): InvoicePaymentRecord[] {
    return [...(this.payments.get(invoiceId)?.values() ?? [])].map((p) => structuredClone(p));
  }

  getPayment(invoiceId: string, source: string, externalId: string): InvoicePaymentRecord | undefined {
    const payment = this.payments.get(invoiceId)?.get(paymentKey(source, externalId));
    return payment && structuredClone(payment);
  }

  /** Inserts or replaces the payment of (invoice, source, externalId); the service decides whether it may. */
  putPayment(payment: InvoicePaymentRecord): void {
    if (!this.invoices.has(payment.invoiceId)) throw new Error(`invoice ${payment.invoiceId} does not exist`);
    let byKey = this.payments.get(payment.invoiceId);
    if (!byKey) this.payments.set(payment.invoiceId, (byKey = new Map()));
    byKey.set(paymentKey(payment.source, payment.externalId), structuredClone(payment));
  }
}

/** JSON keeps the pair unambiguous whatever characters either part holds. */
const paymentKey = (source: string, externalId: string) => JSON.stringify([source, externalId]);
