import { describe, expect, it } from '@jest/globals';
import { parseDecimal } from '../src/decimal.js';
import { HostStore, TENANT_IDS } from '../src/index.js';

describe('seed data', () => {
  const store = new HostStore();
  const customers = store.listCustomers();

  it('has the documented tenants', () => {
    expect(customers.map((c) => [c.id, c.country, c.currency, c.defaultTaxRate])).toEqual([
      [TENANT_IDS.acme, 'US', 'USD', '8.25'],
      [TENANT_IDS.nordlys, 'NO', 'NOK', '25'],
      [TENANT_IDS.thames, 'GB', 'GBP', '20'],
    ]);
  });

  it('is internally consistent: statuses, timestamps, versions, ids and currencies', () => {
    const lineIds = new Set<string>();
    for (const customer of customers) {
      const invoices = store.listInvoices(customer.id);
      expect(invoices.length).toBeGreaterThanOrEqual(5);
      expect(invoices.length).toBeLessThanOrEqual(8);
      expect(new Set(invoices.map((i) => i.status))).toEqual(new Set(['DRAFT', 'FINALIZED', 'VOID']));
      for (const invoice of invoices) {
        expect(invoice.id).toMatch(new RegExp(`^inv-${customer.slug}-\\d+$`));
        expect(invoice.currency).toBe(customer.currency);
        expect(invoice.updatedAt >= invoice.createdAt).toBe(true);
        if (invoice.dueDate) expect(invoice.dueDate >= invoice.issueDate).toBe(true);
        if (invoice.status !== 'DRAFT') {
          expect(invoice.lines.length).toBeGreaterThan(0);
          expect(invoice.billTo?.name).toBeTruthy();
          expect(invoice.finalizedAt).not.toBeNull();
        } else {
          expect(invoice.finalizedAt).toBeNull();
        }
        expect(invoice.voidedAt !== null).toBe(invoice.status === 'VOID');
        expect(invoice.voidReason !== null).toBe(invoice.status === 'VOID');
        expect(invoice.version).toBe({ DRAFT: 1, FINALIZED: 2, VOID: 3 }[invoice.status]);
        expect(invoice.nextLineNumber).toBe(invoice.lines.length + 1);
        for (const line of invoice.lines) {
          expect(lineIds.has(line.id)).toBe(false);
          lineIds.add(line.id);
          for (const value of [line.quantity, line.unitPrice, line.taxRate])
            expect(parseDecimal(value)).toBeDefined();
        }
      }
    }
  });

  it('hands out copies, so callers cannot change stored records', () => {
    const invoice = store.getInvoice('inv-acme-1001');
    if (!invoice) throw new Error('seed missing');
    invoice.status = 'VOID';
    invoice.lines.pop();
    expect(store.getInvoice('inv-acme-1001')).toMatchObject({ status: 'FINALIZED', lines: { length: 4 } });
  });
});
