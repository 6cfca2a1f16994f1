/**
 * Which properties a query may filter (WHERE) and sort (ORDERBY) on, per entity.
 *
 * Intuit answers a WHERE on a property that is not marked "filterable" in the entity reference with 4001
 * `QueryValidationError: property 'X' is not queryable` ([OBS] ruckus/quickbooks-ruby#403: Vendor
 * PrimaryEmailAddr; intuit/QuickBooks-V3-DotNET-SDK#163: AcctNum, where an Intuit engineer answers "The
 * property which are mentioned as filterable are only queryable"), and a property the entity does not have
 * with 4001 `QueryValidationError: Property X not found for Entity Y` (intuit/QuickBooks-V3-DotNET-SDK
 * IPPDotNetDevKitCSV3/Test/.../QBO/QueryFilterTests.cs: "Property status not found for Entity Customer").
 *
 * The filterable/sortable traits below are copied from the "Traits:" lines of each entity reference page
 * (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/<entity>, read through a
 * verbatim mirror). The `known` lists are the other top-level attributes on the same pages: naming one of
 * them is "not queryable" rather than "not found".
 *
 * MetaData.CreateTime and MetaData.LastUpdatedTime are filterable and sortable on every entity: the traits sit
 * on the shared ModificationMetaData type (Customer, Vendor, Item, Account, Class, Term, TaxCode, TaxRate,
 * Invoice, Payment, CreditMemo, CompanyInfo pages) and the Preferences page says "Query is supported with
 * sorting and filtering enabled for Metadata timestamp attributes". The Employee page lists MetaData without
 * its children; the shared type is assumed there too.
 */

export interface QueryableField {
  /** Intuit's spelling, used for the lookup in the stored document. */
  readonly path: string;
  /** Where the compared value lives when it is not `path` (EmailAddress types compare their Address). */
  readonly valuePath: string;
  readonly filterable: boolean;
  readonly sortable: boolean;
}

export interface EntityQueryTable {
  /** Lower-cased property path -> rule; only filterable or sortable paths are present. */
  readonly fields: ReadonlyMap<string, QueryableField>;
  /** Lower-cased top-level attribute names that exist on the entity (queryable or not). */
  readonly known: ReadonlySet<string>;
}

/** Space-separated property names, as on the reference page. */
interface Row {
  /** Filterable and sortable (MetaData.CreateTime and MetaData.LastUpdatedTime are added to every row). */
  both: string;
  filterOnly?: string;
  sortOnly?: string;
  /** Other top-level attributes of the entity (not filterable, not sortable). */
  other: string;
}

const METADATA = 'MetaData.CreateTime MetaData.LastUpdatedTime';
/** Present on every stored entity (the emulator adds them as Intuit does); never filterable. */
const ENVELOPE = 'SyncToken MetaData domain sparse';

/** EmailAddress-typed filterable properties compare the address itself. */
const VALUE_PATHS: Record<string, string> = { PrimaryEmailAddr: 'PrimaryEmailAddr.Address' };

const ROWS: Record<string, Row> = {
  // all-entities/customer (most-commonly-used/customer). PrimaryEmailAddr: "Type: EmailAddress, Traits:
  // filterable" (no sortable); BalanceWithJobs is sortable only. AcctNum is not on the page but Intuit knows
  // it (DotNet-SDK#163 answers "not queryable", not "not found").
  Customer: {
    both:
      'Id DisplayName GivenName MiddleName FamilyName FullyQualifiedName Active CompanyName Balance ' +
      'PrintOnCheckName',
    filterOnly: 'PrimaryEmailAddr',
    sortOnly: 'BalanceWithJobs',
    other:
      'Title Suffix Level TaxExemptionReasonId ResaleNum SecondaryTaxIdentifier ARAccountRef ' +
      'DefaultTaxCodeRef PreferredDeliveryMethod GSTIN SalesTermRef CustomerTypeRef Fax BusinessNumber ' +
      'BillWithParent CurrencyRef Mobile Job PrimaryPhone OpenBalanceDate Taxable AlternatePhone ' +
      'ParentRef Notes WebAddr ShipAddr PaymentMethodRef IsProject Source PrimaryTaxIdentifier ' +
      'GSTRegistrationType BillAddr AcctNum',
  },
  // all-entities/vendor. PrimaryEmailAddr carries no filterable trait, and Intuit rejects it with 4001
  // ([OBS] ruckus/quickbooks-ruby#403): the traits on these pages are what the service enforces.
  Vendor: {
    both:
      'Id GivenName MiddleName Suffix FamilyName Balance DisplayName Active CompanyName ' +
      'PrintOnCheckName',
    other:
      'Title PrimaryEmailAddr OtherContactInfo APAccountRef TermRef Source GSTIN T4AEligible Fax ' +
      'BusinessNumber CurrencyRef HasTPAR TaxReportingBasis Mobile PrimaryPhone AlternatePhone ' +
      'Vendor1099 CostRate BillRate WebAddr T5018Eligible VendorPaymentBankDetail TaxIdentifier AcctNum ' +
      'GSTRegistrationType BillAddr',
  },
  // all-entities/employee. Active is "filterable" without "sortable".
  Employee: {
    both: 'Id DisplayName GivenName MiddleName Suffix FamilyName PrintOnCheckName',
    filterOnly: 'Active',
    other:
      'PrimaryAddr V4IDPseudonym PrimaryEmailAddr Title BillableTime BirthDate SSN PrimaryPhone ' +
      'ReleasedDate CostRate Mobile Gender HiredDate BillRate Organization EmployeeNumber',
  },
  // most-commonly-used/item. FullyQualifiedName, Sku and Active are filterable only; UnitPrice sortable only.
  Item: {
    both: 'Id Name Type',
    filterOnly: 'FullyQualifiedName Sku Active',
    sortOnly: 'UnitPrice',
    other:
      'ItemCategoryType InvStartDate QtyOnHand AssetAccountRef ExpenseAccountRef Level IncomeAccountRef ' +
      'TaxClassificationRef SalesTaxIncluded TrackQtyOnHand SalesTaxCodeRef ClassRef Source ' +
      'PurchaseTaxIncluded Description AbatementRate SubItem Taxable UQCDisplayText ReorderPoint ' +
      'PurchaseDesc PrefVendorRef UQCId ReverseChargeRate PurchaseTaxCodeRef ServiceType PurchaseCost ' +
      'ParentRef',
  },
  // most-commonly-used/account. AcctNum is not filterable (an Intuit engineer in DotNet-SDK#163).
  Account: {
    both:
      'Id Name SubAccount FullyQualifiedName CurrentBalanceWithSubAccounts CurrentBalance ParentRef ' +
      'Description',
    filterOnly: 'Classification AccountType AccountSubType Active',
    other: 'AcctNum TxnLocationType AccountAlias TaxCodeRef CurrencyRef',
  },
  // all-entities/class. Name carries no trait on the page, but the page's own sample query is
  // `select * from Class where name like 'France'`, so it is filterable.
  Class: {
    both: 'Id FullyQualifiedName Active',
    filterOnly: 'Name',
    other: 'ParentRef SubClass',
  },
  // all-entities/term.
  Term: {
    both: 'Id Name Active',
    other: 'DayOfMonthDue DiscountDayOfMonth DueNextMonthDays DueDays DiscountPercent DiscountDays Type',
  },
  // all-entities/taxcode. Active is filterable only.
  TaxCode: {
    both: 'Id Name Description',
    filterOnly: 'Active',
    other: 'PurchaseTaxRateList SalesTaxRateList TaxCodeConfigType TaxGroup Taxable Hidden',
  },
  // all-entities/taxrate.
  TaxRate: {
    both: 'Id Name AgencyRef TaxReturnLineRef Active Description',
    other: 'RateValue SpecialTaxType EffectiveTaxRate DisplayType OriginalTaxRate',
  },
  // all-entities/invoice. TotalAmt is "read only, system defined" without filterable: not queryable.
  Invoice: {
    both: 'Id DocNumber Balance TxnDate DueDate',
    filterOnly: 'CustomerRef ProjectRef SalesTermRef',
    other:
      'Line ShipFromAddr CurrencyRef GlobalTaxCalculation BillEmail HomeBalance DeliveryInfo TotalAmt ' +
      'InvoiceLink RecurDataRef TaxExemptionRef HomeTotalAmt FreeFormAddress AllowOnlinePayment ' +
      'AllowIPNPayment ShipDate TrackingNum ClassRef PrintStatus TxnSource LinkedTxn ' +
      'DepositToAccountRef AllowOnlineACHPayment TransactionLocationType PrivateNote BillEmailCc ' +
      'CustomerMemo EmailStatus ExchangeRate Deposit TxnTaxDetail AllowOnlineCreditCardPayment ' +
      'CustomField ShipAddr DepartmentRef BillEmailBcc ShipMethodRef BillAddr ApplyTaxAfterDiscount',
  },
  // all-entities/payment. The page disagrees with itself on TotalAmt: no trait on the response object,
  // "filterable, sortable" on the create-request schema. The smaller set is kept (pessimistic).
  Payment: {
    both: 'Id PaymentRefNum TxnDate',
    filterOnly: 'CustomerRef ProjectRef',
    other:
      'TotalAmt CurrencyRef TaxExemptionRef PrivateNote PaymentMethodRef UnappliedAmt ' +
      'DepositToAccountRef ExchangeRate Line TxnSource CreditCardPayment TransactionLocationType ' +
      'ProcessPayment',
  },
  // all-entities/creditmemo. Same shape as Invoice; no DueDate on this entity.
  CreditMemo: {
    both: 'Id DocNumber Balance TxnDate',
    filterOnly: 'CustomerRef ProjectRef SalesTermRef',
    other:
      'Line CurrencyRef GlobalTaxCalculation BillEmail HomeBalance RemainingCredit RecurDataRef ' +
      'TaxExemptionRef HomeTotalAmt CustomField ClassRef PrintStatus TotalAmt InvoiceRef ' +
      'TransactionLocationType ApplyTaxAfterDiscount PrivateNote CustomerMemo TxnTaxDetail ' +
      'PaymentMethodRef ExchangeRate ShipAddr DepartmentRef EmailStatus BillAddr',
  },
  // all-entities/deposit: only Id, TxnDate and the MetaData times carry traits (TotalAmt is "read only,
  // system defined").
  Deposit: {
    both: 'Id TxnDate',
    other:
      'DepositToAccountRef Line GlobalTaxCalculation CurrencyRef RecurDataRef TotalAmt HomeTotalAmt ' +
      'PrivateNote ExchangeRate DepartmentRef TxnSource CashBack TransactionLocationType TxnTaxDetail',
  },
  // most-commonly-used/companyinfo.
  CompanyInfo: {
    both: 'Id',
    other:
      'CompanyName CompanyAddr CompanyStartDate LegalAddr SupportedLanguages Country Email WebAddr ' +
      'NameValue FiscalYearStartMonth CustomerCommunicationAddr PrimaryPhone LegalName EmployerId',
  },
  // ecommerce/preferences: "Query is supported with sorting and filtering enabled for Metadata timestamp
  // attributes." Id has no filterable trait there.
  Preferences: {
    both: '',
    other:
      'Id EmailMessagesPrefs ProductAndServicesPrefs ReportPrefs AccountingInfoPrefs SalesFormsPrefs ' +
      'VendorAndPurchasesPrefs TaxPrefs OtherPrefs TimeTrackingPrefs CurrencyPrefs',
  },
};

/** An entity without a row here (no reference read for it): the smallest sensible set. */
const FALLBACK: Row = { both: 'Id', other: '' };

const words = (list: string | undefined): string[] => (list ?? '').split(' ').filter((word) => word !== '');

function build(row: Row): EntityQueryTable {
  const fields = new Map<string, QueryableField>();
  const add = (path: string, filterable: boolean, sortable: boolean) =>
    fields.set(path.toLowerCase(), { path, valuePath: VALUE_PATHS[path] ?? path, filterable, sortable });
  for (const path of words(`${row.both} ${METADATA}`)) add(path, true, true);
  for (const path of words(row.filterOnly)) add(path, true, false);
  for (const path of words(row.sortOnly)) add(path, false, true);
  const names = [...fields.values()].map((field) => field.path).concat(words(row.other), words(ENVELOPE));
  const known = new Set(names.map((path) => (path.split('.')[0] ?? path).toLowerCase()));
  return { fields, known };
}

const TABLES = new Map(Object.entries(ROWS).map(([entity, row]) => [entity, build(row)]));
const FALLBACK_TABLE = build(FALLBACK);

export function queryTable(entity: string): EntityQueryTable {
  return TABLES.get(entity) ?? FALLBACK_TABLE;
}
