import { registerEnumType } from 'type-graphql';
import { INVOICE_CHANGES, type InvoiceChange } from '../workers/invoice-push-job.js';

export const QuickBooksInvoiceChange = Object.fromEntries(INVOICE_CHANGES.map((c) => [c, c])) as {
  [K in InvoiceChange]: K;
};
registerEnumType(QuickBooksInvoiceChange, {
  name: 'QuickBooksInvoiceChange',
  description: 'What the platform did to an invoice',
  valuesConfig: {
    FINALIZED: { description: 'The invoice was finalized: it should appear in QuickBooks' },
    UPDATED: { description: 'A finalized invoice was edited: QuickBooks should hold the new version' },
    VOIDED: { description: 'The invoice was voided: QuickBooks should void it too' },
  },
});
