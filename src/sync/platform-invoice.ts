/**
 * A platform (host) invoice as the push reads it from the host's GraphQL (examples/host-subgraph's
 * `Invoice`). Decimals stay strings, as the host sends them, so no amount passes through a float.
 */
export interface PlatformPostalAddress {
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode?: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface PlatformBillTo {
  name: string;
  email?: string | null;
  phone?: string | null;
  address?: PlatformPostalAddress | null;
}

export type PlatformLineKind = 'SERVICE' | 'MATERIAL' | 'LABOR' | 'FEE';

export interface PlatformInvoiceLine {
  id: string;
  description: string;
  itemKind: PlatformLineKind;
  serviceCode?: string | null;
  /** Decimal strings. */
  quantity: string;
  unitPrice: string;
  /** Percent: "8.25" means 8.25 %. */
  taxRate: string;
  /**
   * The amount before tax: quantity × unitPrice rounded half up to 2 decimals; when the invoice's prices
   * include tax, that gross less `taxAmount`.
   */
  amount: string;
  taxAmount: string;
}

export interface PlatformInvoice {
  id: string;
  /** The tenant (host Customer id). */
  tenantId: string;
  number: string;
  status: 'DRAFT' | 'FINALIZED' | 'VOID';
  currency: string;
  /** ISO dates (YYYY-MM-DD). */
  issueDate: string;
  dueDate?: string | null;
  billTo?: PlatformBillTo | null;
  lines: PlatformInvoiceLine[];
  /**
   * Unit prices include tax: each line's quantity × unitPrice is its gross (amount + taxAmount). Absent on
   * hosts that only price before tax.
   */
  pricesIncludeTax?: boolean;
  totals: { subtotal: string; tax: string; total: string };
  memo?: string | null;
  /** Increases on every change: pushes of an older version are skipped. */
  version: number;
}
