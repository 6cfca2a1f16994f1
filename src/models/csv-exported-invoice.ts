import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * A platform invoice that left in a QuickBooks CSV export (issue 15), as the files wrote it. Kept so a
 * later connection recognises the copy the tenant imported (same number and customer, or when QuickBooks
 * numbered the import itself, same customer, date and total) and links it instead of pushing the invoice
 * a second time. One record per invoice: a later export of the same invoice replaces it.
 */
const CsvExportedInvoiceSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    invoiceId: { type: String, required: true },
    /** The invoice number the file carries (the platform's). */
    docNumber: { type: String, required: true },
    /** The customer name the file carries (cleaned to QuickBooks' rules, possibly " (2)"). */
    customerName: { type: String, default: '' },
    txnDate: { type: String, required: true },
    /** The invoice's total in cents, tax included, as the platform billed it. */
    totalCents: { type: Number, required: true },
    /** Before tax: what an exclusive import's lines add up to, whatever tax QuickBooks then computes. */
    subtotalCents: { type: Number, required: true },
    lineCount: { type: Number, required: true },
    /** IMPORT: in an invoices file; MANUAL: listed for manual entry. */
    route: { type: String, enum: ['IMPORT', 'MANUAL'], required: true },
    exportId: { type: String, required: true },
    exportedAt: { type: Date, required: true },
  },
  { collection: 'quickbooks_csv_exported_invoices', versionKey: false },
);

CsvExportedInvoiceSchema.index({ tenantId: 1, invoiceId: 1 }, { unique: true });

export type CsvExportedInvoiceDocument = InferSchemaType<typeof CsvExportedInvoiceSchema>;
export const CsvExportedInvoiceModel = model('CsvExportedInvoice', CsvExportedInvoiceSchema);
