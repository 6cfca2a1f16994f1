import type { Doc } from '../util/json.js';
import { formatQboTime } from '../util/time.js';
import { installAstTaxCodes } from './ast-rates.js';
import type { Country, EntityName, NameMatch, RealmOptions } from './realm.js';
import { Realm } from './realm.js';

/**
 * Seed data shaped like Intuit's sandbox sample company ("Craig's Design and Landscaping Services", §8.1):
 * a few dozen customers, items and accounts, Net-N terms, tax codes, plus Vendors and Employees so 6240
 * fires across all three name lists. Everything is fixed so tests can rely on ids and names.
 */

/** Seed records carry this creation time; it predates any realistic test clock. */
export const SEED_TIME_MS = Date.parse('2026-01-05T17:00:00Z');

export const DEFAULT_REALMS: RealmOptions[] = [
  { realmId: '9341455130166501', country: 'US', companyName: 'Sandbox Company_US_1' },
  { realmId: '9341455130166502', country: 'CA', companyName: 'Sandbox Company_CA_1' },
  { realmId: '9341455130166503', country: 'GB', companyName: 'Sandbox Company_GB_1' },
];

interface CountryProfile {
  currency: string;
  currencyName: string;
  offsetMinutes: number;
  address: Doc;
  /** Tax rates: [Id, Name, RateValue]. */
  taxRates: [string, string, number][];
  /** Tax codes: [Id, Name, Description, Taxable, rate ids]. */
  taxCodes: [string, string, string, boolean, string[]][];
  taxAgency: string;
  /** Word used in the 6000 "missing tax code" message for non-US companies (§5.4). */
  taxWord: string;
}

const PROFILES: Record<Country, CountryProfile> = {
  US: {
    currency: 'USD',
    currencyName: 'United States Dollar',
    offsetMinutes: -480,
    address: {
      Line1: '123 Sierra Way',
      City: 'San Pablo',
      CountrySubDivisionCode: 'CA',
      PostalCode: '87999',
    },
    taxRates: [
      ['1', 'California', 7.25],
      ['2', 'San Pablo City', 1],
      ['3', 'Tucson City', 2],
      ['4', 'AZ State tax', 7.1],
    ],
    // TAX and NON are the US line-level pseudo codes (§6.1); the numbered codes are tax groups.
    taxCodes: [
      ['TAX', 'TAX', 'TAX', true, []],
      ['NON', 'NON', 'NON', false, []],
      ['2', 'California', 'California state sales tax', true, ['1']],
      ['3', 'San Pablo', 'California + San Pablo City', true, ['1', '2']],
      ['4', 'Tucson', 'Tucson City + AZ State tax', true, ['3', '4']],
    ],
    taxAgency: 'California Department of Tax and Fee Administration',
    taxWord: 'sales tax',
  },
  CA: {
    currency: 'CAD',
    currencyName: 'Canadian Dollar',
    offsetMinutes: -300,
    address: {
      Line1: '100 King Street West',
      City: 'Toronto',
      CountrySubDivisionCode: 'ON',
      PostalCode: 'M5X 1A9',
    },
    taxRates: [
      ['1', 'GST', 5],
      ['2', 'HST ON', 13],
      ['3', 'Exempt', 0],
      ['4', 'Zero-rated', 0],
    ],
    taxCodes: [
      ['2', 'Exempt', 'Exempt', false, ['3']],
      ['3', 'Zero-rated', 'Zero-rated', true, ['4']],
      ['4', 'GST', 'GST 5%', true, ['1']],
      ['5', 'HST ON', 'HST Ontario 13%', true, ['2']],
    ],
    taxAgency: 'Canada Revenue Agency',
    taxWord: 'GST/HST',
  },
  GB: {
    currency: 'GBP',
    currencyName: 'British Pound Sterling',
    offsetMinutes: 0,
    address: {
      Line1: '10 Downing Lane',
      City: 'London',
      CountrySubDivisionCode: 'LND',
      PostalCode: 'SW1A 2AA',
    },
    taxRates: [
      ['1', '20.0% S', 20],
      ['2', '5.0% R', 5],
      ['3', '0.0% Z', 0],
      ['4', 'Exempt', 0],
    ],
    taxCodes: [
      ['2', '20.0% S', 'Standard rated 20%', true, ['1']],
      ['3', '5.0% R', 'Reduced rated 5%', true, ['2']],
      ['4', '0.0% Z', 'Zero rated', true, ['3']],
      ['5', 'Exempt', 'Exempt', false, ['4']],
      ['6', 'No VAT', 'Outside the scope of VAT', false, []],
    ],
    taxAgency: 'HM Revenue & Customs',
    taxWord: 'VAT',
  },
  AU: {
    currency: 'AUD',
    currencyName: 'Australian Dollar',
    offsetMinutes: 600,
    address: { Line1: '1 George Street', City: 'Sydney', CountrySubDivisionCode: 'NSW', PostalCode: '2000' },
    taxRates: [
      ['1', 'GST (sales)', 10],
      ['2', 'GST free', 0],
    ],
    taxCodes: [
      ['2', 'GST', 'GST 10%', true, ['1']],
      ['3', 'FRE', 'GST free', false, ['2']],
    ],
    taxAgency: 'Australian Taxation Office',
    taxWord: 'GST',
  },
};

export function countryProfile(country: Country): CountryProfile {
  return PROFILES[country];
}

/** [Name, AccountType, AccountSubType]; ids follow array order. */
const ACCOUNTS: [string, string, string][] = [
  ['Checking', 'Bank', 'Checking'],
  ['Savings', 'Bank', 'Savings'],
  ['Accounts Receivable (A/R)', 'Accounts Receivable', 'AccountsReceivable'],
  ['Undeposited Funds', 'Other Current Asset', 'UndepositedFunds'],
  ['Inventory Asset', 'Other Current Asset', 'Inventory'],
  ['Prepaid Expenses', 'Other Current Asset', 'PrepaidExpenses'],
  ['Truck', 'Fixed Asset', 'Vehicles'],
  ['Accounts Payable (A/P)', 'Accounts Payable', 'AccountsPayable'],
  ['Mastercard', 'Credit Card', 'CreditCard'],
  ['Sales Tax Payable', 'Other Current Liability', 'SalesTaxPayable'],
  ['Notes Payable', 'Long Term Liability', 'NotesPayable'],
  ['Opening Balance Equity', 'Equity', 'OpeningBalanceEquity'],
  ['Retained Earnings', 'Equity', 'RetainedEarnings'],
  ['Services', 'Income', 'ServiceFeeIncome'],
  ['Sales of Product Income', 'Income', 'SalesOfProductIncome'],
  ['Design income', 'Income', 'ServiceFeeIncome'],
  ['Landscaping Services', 'Income', 'ServiceFeeIncome'],
  ['Pest Control Services', 'Income', 'ServiceFeeIncome'],
  ['Discounts given', 'Income', 'DiscountsRefundsGiven'],
  ['Refunds-Allowances', 'Income', 'DiscountsRefundsGiven'],
  ['Other Income', 'Other Income', 'OtherMiscellaneousIncome'],
  ['Cost of Goods Sold', 'Cost of Goods Sold', 'SuppliesMaterialsCogs'],
  ['Advertising', 'Expense', 'AdvertisingPromotional'],
  ['Automobile', 'Expense', 'Auto'],
  ['Equipment Rental', 'Expense', 'EquipmentRental'],
  ['Insurance', 'Expense', 'Insurance'],
  ['Job Expenses', 'Expense', 'CostOfLabor'],
  ['Legal & Professional Fees', 'Expense', 'LegalProfessionalFees'],
  ['Maintenance and Repair', 'Expense', 'RepairMaintenance'],
  ['Meals and Entertainment', 'Expense', 'EntertainmentMeals'],
  ['Office Expenses', 'Expense', 'OfficeGeneralAdministrativeExpenses'],
  ['Rent or Lease', 'Expense', 'RentOrLeaseOfBuildings'],
  ['Utilities', 'Expense', 'Utilities'],
  ['Miscellaneous', 'Other Expense', 'OtherMiscellaneousExpense'],
];

export const CLASSIFICATION: Record<string, string> = {
  Bank: 'Asset',
  'Other Current Asset': 'Asset',
  'Fixed Asset': 'Asset',
  'Other Asset': 'Asset',
  'Accounts Receivable': 'Asset',
  Equity: 'Equity',
  Expense: 'Expense',
  'Other Expense': 'Expense',
  'Cost of Goods Sold': 'Expense',
  'Accounts Payable': 'Liability',
  'Credit Card': 'Liability',
  'Long Term Liability': 'Liability',
  'Other Current Liability': 'Liability',
  Income: 'Revenue',
  'Other Income': 'Revenue',
};

export const ACCOUNT_ID = {
  undepositedFunds: '4',
  inventoryAsset: '5',
  services: '14',
  productIncome: '15',
  cogs: '22',
};

/** [Name, Type, UnitPrice, income account id, Taxable, Description]. */
const ITEMS: [string, string, number, string, boolean, string][] = [
  ['Services', 'Service', 0, '14', false, ''],
  ['Hours', 'Service', 0, '14', false, ''],
  ['Concrete', 'Service', 0, '17', true, 'Concrete for fountain installation'],
  ['Design', 'Service', 75, '16', false, 'Custom Design'],
  ['Gardening', 'Service', 0, '17', false, 'Weekly Gardening Service'],
  ['Installation', 'Service', 50, '17', false, 'Installation of landscape design'],
  ['Lighting', 'Service', 0, '17', true, 'Garden Lighting'],
  ['Maintenance & Repair', 'Service', 0, '17', false, 'Maintenance & Repair'],
  ['Pest Control', 'Service', 35, '18', false, 'Pest Control Services'],
  ['Refunds & Allowances', 'Service', 0, '20', false, 'Income due to refunds or allowances'],
  ['Rocks', 'Service', 0, '17', true, 'Garden Rocks'],
  ['Sod', 'Service', 0, '17', true, 'Sod'],
  ['Soil', 'Service', 10, '17', true, '2 cubic ft. bag'],
  ['Trimming', 'Service', 35, '17', false, 'Tree and Shrub Trimming'],
  ['Pump', 'Inventory', 15, '15', true, 'Fountain Pump'],
  ['Rock Fountain', 'Inventory', 275, '15', true, 'Rock Fountain'],
  ['Sprinkler Heads', 'Inventory', 2, '15', true, 'Sprinkler Heads'],
  ['Sprinkler Pipes', 'Inventory', 4, '15', true, 'Sprinkler Pipes'],
];

/** [DisplayName, GivenName, FamilyName, CompanyName, email, Taxable, parent index]. */
const CUSTOMERS: [string, string, string, string, string, boolean, number | null][] = [
  ["Amy's Bird Sanctuary", 'Amy', 'Lauterbach', "Amy's Bird Sanctuary", 'Birds@Intuit.com', true, null],
  ["Bill's Windsurf Shop", 'Bill', 'Lucchini', "Bill's Windsurf Shop", 'Surf@Intuit.com', false, null],
  ['Cool Cars', 'Grace', 'Pariente', 'Cool Cars', 'Cool_Cars@intuit.com', false, null],
  ['Diego Rodriguez', 'Diego', 'Rodriguez', '', 'Diego@Rodriguez.com', true, null],
  ['Dukes Basketball Camp', 'Peter', 'Dukes', 'Dukes Basketball Camp', 'Dukes_bball@intuit.com', false, null],
  ['Dylan Sollfrank', 'Dylan', 'Sollfrank', '', '', false, null],
  [
    'Freeman Sporting Goods',
    'Kirby',
    'Freeman',
    'Freeman Sporting Goods',
    'Sporting_goods@intuit.com',
    true,
    null,
  ],
  ['0969 Ocean View Road', 'Sasha', 'Tillou', 'Freeman Sporting Goods', 'Sporting_goods@intuit.com', true, 6],
  ['55 Twin Lane', 'Amelia', 'Daniels', 'Freeman Sporting Goods', 'Sporting_goods@intuit.com', true, 6],
  ['Geeta Kalapatapu', 'Geeta', 'Kalapatapu', '', 'Geeta@Kalapatapu.com', false, null],
  ['Gevelber Photography', 'Lisa', 'Gevelber', 'Gevelber Photography', 'Photography@intuit.com', false, null],
  ["Jeff's Jalopies", 'Jeff', 'Chin', "Jeff's Jalopies", 'Jalopies@intuit.com', false, null],
  ['John Melton', 'John', 'Melton', '', 'John@Melton.com', false, null],
  ['Kate Whelan', 'Kate', 'Whelan', '', 'Kate@Whelan.com', false, null],
  ['Kookies by Kathy', 'Kathy', 'Kuplis', 'Kookies by Kathy', 'qbwebsamplecompany@yahoo.com', false, null],
  ['Mark Cho', 'Mark', 'Cho', '', 'Mark@Cho.com', false, null],
  [
    'Paulsen Medical Supplies',
    'Kathy',
    'Paulsen',
    'Paulsen Medical Supplies',
    'Medical@intuit.com',
    false,
    null,
  ],
  ["Pye's Cakes", 'Karen', 'Pye', "Pye's Cakes", 'pyescakes@intuit.com', false, null],
  ['Rago Travel Agency', 'Nicola', 'Rago', 'Rago Travel Agency', 'Rago_Travel@intuit.com', false, null],
  ['Red Rock Diner', 'Stephanie', 'Martini', 'Red Rock Diner', 'qbwebsamplecompany@yahoo.com', false, null],
  [
    'Rondonuwu Fruit and Vegi',
    'Tony',
    'Rondonuwu',
    'Rondonuwu Fruit and Vegi',
    'Tony@Rondonuwu.com',
    false,
    null,
  ],
  ['Shara Barnett', 'Shara', 'Barnett', 'Barnett Design', 'Design@intuit.com', false, null],
  ['Barnett Design', 'Shara', 'Barnett', 'Barnett Design', 'Design@intuit.com', false, 21],
  [
    'Sonnenschein Family Store',
    'Russ',
    'Sonnenschein',
    'Sonnenschein Family Store',
    'Familiystore@intuit.com',
    false,
    null,
  ],
  ['Sushi by Katsuyuki', 'Kata', 'Yasuda', 'Sushi by Katsuyuki', 'Sushi@intuit.com', false, null],
  ['Travis Waldron', 'Travis', 'Waldron', '', 'Travis@Waldron.com', false, null],
  ['Video Games by Dan', 'Dan', 'Miller', 'Video Games by Dan', 'Videogames@intuit.com', false, null],
  [
    'Wedding Planning by Whitney',
    'Whitney',
    'Moore',
    'Wedding Planning by Whitney',
    'Dream_Wedding@intuit.com',
    false,
    null,
  ],
  ['Weiskopf Consulting', 'Nicole', 'Weiskopf', 'Weiskopf Consulting', 'Consulting@intuit.com', false, null],
];

const VENDORS = [
  "Bob's Burger Joint",
  'Brosnahan Insurance Agency',
  'Cal Telephone',
  "Chin's Gas and Oil",
  'Computers by Jenni',
  "Diego's Road Warrior Bodyshop",
  'Ellis Equipment Rental',
  'Hicks Hardware',
  'Lee Advertising',
  'Norton Lumber and Building Materials',
  'PG&E',
  'Robertson & Associates',
  "Tania's Nursery",
  'Tony Rondonuwu',
];

const EMPLOYEES: [string, string][] = [
  ['Emily', 'Platt'],
  ['John', 'Johnson'],
];

const TERMS: [string, number][] = [
  ['Due on receipt', 0],
  ['Net 10', 10],
  ['Net 15', 15],
  ['Net 30', 30],
  ['Net 60', 60],
];

const CLASSES = ['Design', 'Landscaping', 'Maintenance'];

export function createSeededRealm(options: RealmOptions, index: number, nameMatch: () => NameMatch): Realm {
  const country = options.country ?? 'US';
  const profile = PROFILES[country];
  const realmId = options.realmId ?? String(9341455130166501n + BigInt(index));
  const realm = new Realm(
    { ...options, realmId, country, offsetMinutes: options.offsetMinutes ?? profile.offsetMinutes },
    nameMatch,
  );
  const createdAt = formatQboTime(SEED_TIME_MS, realm.offsetMinutes, false);
  const insert = (entity: EntityName, doc: Doc): Doc => {
    const id = typeof doc.Id === 'string' ? doc.Id : realm.nextId(entity);
    realm.noteId(entity, id);
    const full: Doc = {
      ...doc,
      Id: id,
      SyncToken: '0',
      domain: 'QBO',
      sparse: false,
      MetaData: { CreateTime: createdAt, LastUpdatedTime: createdAt },
    };
    realm.put(entity, full);
    return full;
  };
  const currencyRef = { value: profile.currency, name: profile.currencyName };
  const companyName = options.companyName ?? `Sandbox Company_${country}_${index + 1}`;

  insert('CompanyInfo', {
    Id: '1',
    CompanyName: companyName,
    LegalName: "Craig's Design and Landscaping Services",
    CompanyAddr: { Id: '1', ...profile.address, Country: country },
    LegalAddr: { Id: '1', ...profile.address, Country: country },
    CustomerCommunicationAddr: { Id: '1', ...profile.address },
    PrimaryPhone: { FreeFormNumber: '(650) 944-4444' },
    CompanyStartDate: '2026-01-05',
    FiscalYearStartMonth: 'January',
    Country: country,
    Email: { Address: 'noreply@quickbooks.com' },
    WebAddr: {},
    SupportedLanguages: 'en',
    NameValue: [
      { Name: 'NeoEnabled', Value: 'true' },
      { Name: 'IsQbdtMigrated', Value: 'false' },
      { Name: 'SubscriptionStatus', Value: 'SUBSCRIBED' },
      { Name: 'OfferingSku', Value: 'QuickBooks Online Plus' },
    ],
  });

  insert('Preferences', {
    Id: '1',
    AccountingInfoPrefs: {
      TrackDepartments: false,
      ClassTrackingPerTxn: false,
      ClassTrackingPerTxnLine: true,
      CustomerTerminology: 'Customers',
      ...(options.bookCloseDate ? { BookCloseDate: options.bookCloseDate } : {}),
    },
    ProductAndServicesPrefs: {
      ForSales: true,
      ForPurchase: true,
      QuantityWithPriceAndRate: true,
      QuantityOnHand: true,
    },
    SalesFormsPrefs: {
      CustomField: [
        {
          CustomField: [
            { Name: 'SalesFormsPrefs.UseSalesCustom1', Type: 'BooleanType', BooleanValue: true },
            { Name: 'SalesFormsPrefs.UseSalesCustom2', Type: 'BooleanType', BooleanValue: false },
            { Name: 'SalesFormsPrefs.UseSalesCustom3', Type: 'BooleanType', BooleanValue: false },
          ],
        },
        {
          CustomField: [
            { Name: 'SalesFormsPrefs.SalesCustomName1', Type: 'StringType', StringValue: 'Crew #' },
          ],
        },
      ],
      AllowDeposit: true,
      AllowDiscount: true,
      AllowShipping: false,
      DefaultTerms: { value: '3' },
      CustomTxnNumbers: options.customTxnNumbers ?? false,
      ETransactionEnabledStatus: 'NotApplicable',
    },
    // PartnerTaxEnabled: true = automated sales tax; absent = a company without it, like Intuit's sandbox
    // (AST FAQ, developer.intuit.com/hub/blog/2018/05/11/automated-sales-tax-faq).
    TaxPrefs:
      country !== 'US'
        ? { UsingSalesTax: true, PartnerTaxEnabled: false }
        : options.automatedSalesTax
          ? { UsingSalesTax: true, PartnerTaxEnabled: true }
          : { UsingSalesTax: true, TaxGroupCodeRef: { value: '2' } },
    CurrencyPrefs: { MultiCurrencyEnabled: false, HomeCurrency: { value: profile.currency } },
    OtherPrefs: {
      NameValue: [{ Name: 'SalesFormsPrefs.DefaultCustomerMessage', Value: 'Thank you for your business.' }],
    },
  });

  ACCOUNTS.forEach(([name, type, subType]) =>
    insert('Account', {
      Name: name,
      SubAccount: false,
      FullyQualifiedName: name,
      Active: true,
      Classification: CLASSIFICATION[type],
      AccountType: type,
      AccountSubType: subType,
      CurrentBalance: 0,
      CurrentBalanceWithSubAccounts: 0,
      CurrencyRef: currencyRef,
    }),
  );

  for (const [id, name, rate] of profile.taxRates) {
    insert('TaxRate', {
      Id: id,
      Name: name,
      Description: name,
      Active: true,
      RateValue: rate,
      AgencyRef: { value: '1' },
      SpecialTaxType: 'NONE',
      DisplayType: 'ReadOnly',
      EffectiveTaxRate: [{ RateValue: rate, EffectiveDate: '2020-01-01T00:00:00Z' }],
    });
  }
  for (const [id, name, description, taxable, rateIds] of profile.taxCodes) {
    insert('TaxCode', {
      Id: id,
      Name: name,
      Description: description,
      Active: true,
      Hidden: false,
      Taxable: taxable,
      TaxGroup: rateIds.length > 1,
      SalesTaxRateList: {
        TaxRateDetail: rateIds.map((rateId, order) => ({
          TaxRateRef: { value: rateId, name: profile.taxRates.find(([rid]) => rid === rateId)?.[1] },
          TaxTypeApplicable: 'TaxOnAmount',
          TaxOrder: order,
        })),
      },
      PurchaseTaxRateList: { TaxRateDetail: [] },
    });
  }

  TERMS.forEach(([name, days]) =>
    insert('Term', { Name: name, Active: true, Type: 'STANDARD', DueDays: days }),
  );
  CLASSES.forEach((name) =>
    insert('Class', { Name: name, SubClass: false, FullyQualifiedName: name, Active: true }),
  );

  for (const [name, type, price, incomeAccountId, taxable, description] of ITEMS) {
    const incomeAccount = ACCOUNTS[Number(incomeAccountId) - 1];
    insert('Item', {
      Name: name,
      Description: description || undefined,
      Active: true,
      FullyQualifiedName: name,
      Taxable: country === 'US' ? taxable : undefined,
      UnitPrice: price,
      Type: type,
      IncomeAccountRef: { value: incomeAccountId, name: incomeAccount?.[0] },
      PurchaseCost: 0,
      TrackQtyOnHand: type === 'Inventory',
      ...(type === 'Inventory'
        ? {
            QtyOnHand: 25,
            InvStartDate: '2026-01-01',
            AssetAccountRef: { value: ACCOUNT_ID.inventoryAsset, name: 'Inventory Asset' },
            ExpenseAccountRef: { value: ACCOUNT_ID.cogs, name: 'Cost of Goods Sold' },
          }
        : {}),
    });
  }

  const customerIds: string[] = [];
  for (const [displayName, given, family, company, email, taxable, parentIndex] of CUSTOMERS) {
    const parentId = parentIndex === null ? undefined : customerIds[parentIndex];
    const parent = parentId === undefined ? undefined : realm.get('Customer', parentId);
    const doc = insert('Customer', {
      GivenName: given,
      FamilyName: family,
      ...(company ? { CompanyName: company } : {}),
      DisplayName: displayName,
      PrintOnCheckName: company || displayName,
      FullyQualifiedName: parent ? `${String(parent.DisplayName)}:${displayName}` : displayName,
      Active: true,
      Job: parent !== undefined,
      BillWithParent: parent !== undefined,
      ...(parent ? { ParentRef: { value: parentId }, Level: 1 } : { Level: 0 }),
      Taxable: country === 'US' ? taxable : undefined,
      ...(country === 'US' && taxable ? { DefaultTaxCodeRef: { value: '2' } } : {}),
      BillAddr: { ...profile.address, Line1: `${100 + customerIds.length} Main Street` },
      ...(email ? { PrimaryEmailAddr: { Address: email } } : {}),
      PrimaryPhone: { FreeFormNumber: `(415) 555-${String(1000 + customerIds.length)}` },
      SalesTermRef: { value: '4' },
      Balance: 0,
      BalanceWithJobs: 0,
      CurrencyRef: currencyRef,
      PreferredDeliveryMethod: 'Print',
    });
    customerIds.push(String(doc.Id));
  }

  for (const name of VENDORS) {
    insert('Vendor', {
      DisplayName: name,
      CompanyName: name,
      PrintOnCheckName: name,
      Active: true,
      Vendor1099: false,
      Balance: 0,
      CurrencyRef: currencyRef,
    });
  }
  for (const [given, family] of EMPLOYEES) {
    insert('Employee', {
      GivenName: given,
      FamilyName: family,
      DisplayName: `${given} ${family}`,
      PrintOnCheckName: `${given} ${family}`,
      Active: true,
    });
  }
  if (country === 'US' && options.automatedSalesTax) installAstTaxCodes(realm, createdAt);
  return realm;
}
