import type { CustomerRecord, InvoiceRecord, InvoiceStatus } from './model.js';
import { seedData } from './seed.js';

/**
 * The demo host's in-memory database. Reads return copies, so callers (resolvers, tests) cannot change
 * stored records by accident; writes go through `insertInvoice` / `replaceInvoice`.
 * No tenant checks here: the GraphQL layer applies them.
 */
export class HostStore {
  private customers = new Map<string, CustomerRecord>();
  private invoices = new Map<string, InvoiceRecord>();

  constructor() {
    this.reset();
  }

  /** Drops every change and reloads the deterministic seed (ids, numbers and sequences included). */
  reset(): void {
    const seed = seedData();
    this.customers = new Map(seed.customers.map((c) => [c.id, c]));
    this.invoices = new Map(seed.invoices.map((i) => [i.id, i]));
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
}
