/**
 * What the sync needs to know of a connected QuickBooks company: its name lists (accounts, items, tax codes
 * with their rates, classes, payment terms) and the company facts that change how invoices are built. Read
 * through the QuickBooks client, cached per realm (reads count against Intuit's limits), refreshed on request.
 * Intuit's field names are kept where these mirror Intuit's objects.
 */
export interface QuickBooksAccountRef {
  id: string;
  name: string;
  fullyQualifiedName: string;
  /** Intuit's AccountType, e.g. `Income`, `Bank`, `Other Current Asset`. */
  accountType: string;
  accountSubType?: string;
  active: boolean;
}

export interface QuickBooksItemRef {
  id: string;
  name: string;
  fullyQualifiedName: string;
  sku?: string;
  /** Intuit's Item Type: `Service`, `NonInventory`, `Inventory`, `Group`, `Category`. */
  type: string;
  active: boolean;
  /** Whether an invoice line may use it (not a Category; has an income account). */
  sellable: boolean;
  incomeAccountId?: string;
  unitPrice?: number;
  taxable?: boolean;
}

export interface QuickBooksTaxRateRef {
  id: string;
  name: string;
  /** Percent, as Intuit reports RateValue (7.25 for 7.25 %). */
  ratePercent: number;
}

export interface QuickBooksTaxCodeRef {
  id: string;
  name: string;
  active: boolean;
  /** Whether it may be used on sales (has a SalesTaxRateList, or is a US TAX/NON pseudo-code). */
  usableOnSales: boolean;
  taxable: boolean;
  /** The sales rates it applies; their sum is the effective rate. */
  salesRates: QuickBooksTaxRateRef[];
}

export interface QuickBooksClassRef {
  id: string;
  name: string;
  fullyQualifiedName: string;
  active: boolean;
}

/** A QuickBooks payment term (Intuit's Term): what an invoice's due date is computed from. */
export interface QuickBooksTermRef {
  id: string;
  name: string;
  active: boolean;
  /**
   * Days from the invoice date to its due date for a STANDARD term (`Net 30`: 30); null for a DATE_DRIVEN
   * term (due on a day of the month) or when QuickBooks does not say.
   */
  dueDays: number | null;
}

export type AutomatedSalesTaxState = 'ON' | 'NOT_SET_UP' | 'OFF';

export interface TaxSetupChange {
  from: AutomatedSalesTaxState;
  to: AutomatedSalesTaxState;
  /** The read that saw the change. */
  seenAt: Date;
}

/** The AST state of facts, including those cached before `automatedSalesTaxState` was read. */
export function astStateOf(
  facts: Pick<QuickBooksCompanyFacts, 'automatedSalesTax' | 'automatedSalesTaxState'>,
): AutomatedSalesTaxState {
  return facts.automatedSalesTaxState ?? (facts.automatedSalesTax ? 'ON' : 'OFF');
}

export interface QuickBooksCompanyFacts {
  companyName: string;
  country: string;
  /** `US`: TAX/NON on lines plus a transaction tax code (or AST); `NON_US`: a tax code on every line. */
  taxModel: 'US' | 'NON_US';
  /** Automated Sales Tax: QuickBooks computes tax itself (US only). */
  automatedSalesTax: boolean;
  /**
   * Preferences.TaxPrefs.PartnerTaxEnabled read three ways: true (ON), false (NOT_SET_UP: AST is enabled but
   * no sales tax is set up, so QuickBooks charges none and keeps none we send), absent (OFF). Snapshots
   * cached before this field existed have none: read them with `astStateOf`.
   */
  automatedSalesTaxState?: AutomatedSalesTaxState;
  /** Preferences.TaxPrefs.UsingSalesTax: false means QuickBooks drops any tax we send. Absent: true. */
  usingSalesTax?: boolean;
  /** The last change of the company's sales tax setup seen by a reference read (AST turned on or off). */
  taxSetupChange?: TaxSetupChange;
  /** Preferences.SalesFormsPrefs.CustomTxnNumbers: whether DocNumber may be set by us. */
  customTxnNumbers: boolean;
  homeCurrency: string;
  multiCurrencyEnabled: boolean;
  /** Transactions on or before this date cannot be created or changed. */
  bookCloseDate?: string;
}

/** One realm's reference data as of one read. */
export interface ReferenceSnapshot {
  realmId: string;
  asOf: Date;
  facts: QuickBooksCompanyFacts;
  accounts: QuickBooksAccountRef[];
  items: QuickBooksItemRef[];
  taxCodes: QuickBooksTaxCodeRef[];
  classes: QuickBooksClassRef[];
  terms: QuickBooksTermRef[];
}

/** The reference data of a tenant's connected company. Throws QUICKBOOKS_NOT_CONNECTED-style errors upstream. */
export interface ReferenceData {
  /** The cached snapshot, read from QuickBooks only when none is cached for the tenant's realm. */
  get(tenantId: string): Promise<ReferenceSnapshot>;
  /** Reads everything from QuickBooks again and replaces the cache. */
  refresh(tenantId: string): Promise<ReferenceSnapshot>;
}
