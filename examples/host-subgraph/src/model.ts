/** The demo host's records, as held in memory and returned by resolvers. Decimals are strings. */

export const INVOICE_STATUSES = ['DRAFT', 'FINALIZED', 'VOID'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const LINE_KINDS = ['SERVICE', 'MATERIAL', 'LABOR', 'FEE'] as const;
export type InvoiceLineKind = (typeof LINE_KINDS)[number];

export interface CustomerRecord {
  id: string;
  name: string;
  /** ISO 3166-1 alpha-2 */
  country: string;
  /** ISO 4217 */
  currency: string;
  /** percent */
  defaultTaxRate: string;
  /** Used in new invoice ids: inv-<slug>-<sequence> */
  slug: string;
  /** Prefix of human invoice numbers: <prefix>-<sequence> */
  numberPrefix: string;
  /** The sequence number the next created invoice takes */
  nextSequence: number;
}

export interface PostalAddress {
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string | null;
  country: string;
}

export interface BillToParty {
  name: string;
  email: string | null;
  phone: string | null;
  address: PostalAddress | null;
}

export interface InvoiceLine {
  id: string;
  description: string;
  itemKind: InvoiceLineKind;
  serviceCode: string | null;
  quantity: string;
  unitPrice: string;
  /** percent */
  taxRate: string;
}

export interface InvoiceRecord {
  id: string;
  /** The tenant (host Customer id) */
  customerId: string;
  number: string;
  status: InvoiceStatus;
  currency: string;
  issueDate: string;
  dueDate: string | null;
  billTo: BillToParty | null;
  lines: InvoiceLine[];
  /** Unit prices include tax (lineAmounts in decimal.ts backs the tax out of each line) */
  pricesIncludeTax: boolean;
  memo: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  finalizedAt: string | null;
  voidedAt: string | null;
  voidReason: string | null;
  /** The number the next new line id takes (<invoice id>-L<n>) */
  nextLineNumber: number;
}

export const PAYMENT_STATUSES = ['UNPAID', 'PARTIALLY_PAID', 'PAID'] as const;
export type InvoicePaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * What one external payment applies to one invoice, as its source last reported it. Kept per
 * (invoice, source, externalId); a later report replaces it only with a higher `revision`.
 */
export interface InvoicePaymentRecord {
  invoiceId: string;
  /** The system the payment comes from, e.g. quickbooks */
  source: string;
  /** The payment's id in that system, stable for its life */
  externalId: string;
  /** The highest revision recorded so far */
  revision: number;
  /** Money, 2 decimals: what the payment applies to the invoice now ("0.00" = no longer applies) */
  amount: string;
  receivedOn: string | null;
  method: string | null;
  reference: string | null;
  /** When the current revision was recorded */
  recordedAt: string;
}
