import { z } from 'zod';
import type { Logger } from '../../logger.js';
import type { QuickBooksClient } from '../../quickbooks/client.js';
import { QUERY_MAX_RESULTS } from '../../quickbooks/client.js';
import { isQuickBooksError } from '../../quickbooks/errors.js';
import type {
  QuickBooksAccountRef,
  QuickBooksClassRef,
  AutomatedSalesTaxState,
  QuickBooksCompanyFacts,
  QuickBooksItemRef,
  QuickBooksTaxCodeRef,
  QuickBooksTaxRateRef,
  QuickBooksTermRef,
  ReferenceSnapshot,
} from './types.js';

/** What the reader uses of the QuickBooks client: paged queries, CompanyInfo and single reads. */
export type ReferenceClient = Pick<
  QuickBooksClient,
  'realmId' | 'query' | 'queryPage' | 'companyInfo' | 'read'
>;

export interface ReadReferenceOptions {
  /** Rows per query page (MAXRESULTS); Intuit's maximum by default. Tests force several pages with less. */
  pageSize?: number;
  /** The snapshot's `asOf`: taken before the first request, so the snapshot is no older than it says. */
  now: () => Date;
  logger: Logger;
}

/**
 * Name lists answer with active records only unless the query mentions Active (the emulator's
 * `query.activeOnlyByDefault`, well-known QBO behaviour). Inactive ones are read too, so a mapping that
 * points at something made inactive in QuickBooks shows as broken instead of vanishing.
 */
const ALL_ACTIVE_STATES = 'WHERE Active IN (true, false) ORDERBY Id';

/** US line-level pseudo codes (§6.1): not TaxCode groups with rates, but the only values a US line takes. */
const US_PSEUDO_TAX_CODES: ReadonlySet<string> = new Set(['TAX', 'NON']);

const ref = z.object({ value: z.string(), name: z.string().optional() }).loose();
const name = z.string().min(1);

// Each schema describes only what is read; Intuit's other fields pass through untouched and unchecked.
const AccountRow = z
  .object({
    Id: z.string(),
    Name: name,
    FullyQualifiedName: z.string().optional(),
    AccountType: z.string(),
    AccountSubType: z.string().optional(),
    Active: z.boolean().optional(),
  })
  .loose();

const ItemRow = z
  .object({
    Id: z.string(),
    Name: name,
    FullyQualifiedName: z.string().optional(),
    Sku: z.string().optional(),
    Type: z.string(),
    Active: z.boolean().optional(),
    IncomeAccountRef: ref.optional(),
    UnitPrice: z.number().optional(),
    Taxable: z.boolean().optional(),
  })
  .loose();

const ClassRow = z
  .object({
    Id: z.string(),
    Name: name,
    FullyQualifiedName: z.string().optional(),
    Active: z.boolean().optional(),
  })
  .loose();

// Intuit's Term: a STANDARD term counts DueDays from the invoice date; a DATE_DRIVEN one is due on a day of
// the month (DayOfMonthDue) and has no DueDays.
const TermRow = z
  .object({
    Id: z.string(),
    Name: name,
    Active: z.boolean().optional(),
    Type: z.string().optional(),
    DueDays: z.number().int().nonnegative().optional(),
  })
  .loose();

const TaxRateDetail = z.object({ TaxRateRef: ref }).loose();
const TaxCodeRow = z
  .object({
    Id: z.string(),
    Name: name,
    Active: z.boolean().optional(),
    Taxable: z.boolean().optional(),
    SalesTaxRateList: z
      .object({ TaxRateDetail: z.array(TaxRateDetail).optional() })
      .loose()
      .optional(),
  })
  .loose();

const TaxRateRow = z
  .object({
    Id: z.string(),
    Name: name,
    RateValue: z.number().optional(),
    // Some locales report the rate only per effective period; the newest period is the current rate.
    EffectiveTaxRate: z
      .array(z.object({ RateValue: z.number(), EffectiveDate: z.string().optional() }).loose())
      .optional(),
  })
  .loose();

const CompanyInfoRow = z
  .object({
    CompanyName: z.string().optional(),
    Country: z.string().optional(),
    CompanyAddr: z.object({ Country: z.string().optional() }).loose().optional(),
  })
  .loose();

const PreferencesRow = z
  .object({
    AccountingInfoPrefs: z.object({ BookCloseDate: z.string().optional() }).loose().optional(),
    SalesFormsPrefs: z.object({ CustomTxnNumbers: z.boolean().optional() }).loose().optional(),
    // PartnerTaxEnabled: true is automated sales tax; absent on companies without it (sandbox/README.md).
    TaxPrefs: z
      .object({ PartnerTaxEnabled: z.boolean().optional(), UsingSalesTax: z.boolean().optional() })
      .loose()
      .optional(),
    CurrencyPrefs: z
      .object({ MultiCurrencyEnabled: z.boolean().optional(), HomeCurrency: ref.optional() })
      .loose()
      .optional(),
  })
  .loose();

/**
 * Reads a realm's reference data: eight reads at best (six paged name-list queries, CompanyInfo,
 * Preferences), run side by side (well under Intuit's 10 concurrent requests per realm), plus one read per
 * TaxRate a TaxCode names that the TaxRate query did not return (none in practice: inactive rates are
 * queried too). Rows whose shape is not what is read are skipped and logged, never guessed at.
 */
export async function readReferenceSnapshot(
  client: ReferenceClient,
  options: ReadReferenceOptions,
): Promise<ReferenceSnapshot> {
  const asOf = options.now();
  const pageSize = options.pageSize ?? QUERY_MAX_RESULTS;
  const logger = options.logger.child({ realmId: client.realmId, component: 'reference-reader' });
  const list = <S extends z.ZodType>(entity: string, schema: S) =>
    readList(client, entity, schema, pageSize, logger);

  const [companyInfo, preferences, accounts, items, classes, taxCodes, taxRates, terms] =
    await allOrFirstFailure([
      client.companyInfo().then(({ entity }) => CompanyInfoRow.parse(entity)),
      readPreferences(client),
      list('Account', AccountRow),
      list('Item', ItemRow),
      list('Class', ClassRow),
      list('TaxCode', TaxCodeRow),
      list('TaxRate', TaxRateRow),
      list('Term', TermRow),
    ] as const);

  const facts = companyFacts(companyInfo, preferences);
  const rates = new Map(taxRates.flatMap((row) => taxRateOf(row, logger)).map((rate) => [rate.id, rate]));
  await readMissingRates(client, taxCodes, rates, logger);

  return {
    realmId: client.realmId,
    asOf,
    facts,
    accounts: accounts.map(accountOf),
    items: items.map(itemOf),
    taxCodes: taxCodes.map((row) => taxCodeOf(row, facts, rates)),
    classes: classes.map(classOf),
    terms: terms.map(termOf),
  };
}

/**
 * Like Promise.all, but a failure is reported only once every read has settled: no request of a failed read
 * is still running against the realm's limits when the caller retries (or when a test counts requests).
 */
async function allOrFirstFailure<T extends readonly unknown[]>(reads: {
  readonly [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const settled = await Promise.allSettled(reads);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

async function readList<S extends z.ZodType>(
  client: ReferenceClient,
  entity: string,
  schema: S,
  pageSize: number,
  logger: Logger,
): Promise<z.infer<S>[]> {
  const rows: z.infer<S>[] = [];
  for await (const row of client.query<Record<string, unknown>>(
    `SELECT * FROM ${entity} ${ALL_ACTIVE_STATES}`,
    {
      pageSize,
    },
  )) {
    const parsed = schema.safeParse(row);
    if (parsed.success) rows.push(parsed.data);
    else logger.warn({ entity, id: row.Id, issues: parsed.error.issues.length }, 'reference row skipped');
  }
  return rows;
}

/** Preferences has one row per company and no id to read it by; a query returns it. */
async function readPreferences(client: ReferenceClient): Promise<z.infer<typeof PreferencesRow>> {
  const page = await client.queryPage('SELECT * FROM Preferences', { maxResults: 1 });
  return PreferencesRow.parse(page.rows[0] ?? {});
}

function companyFacts(
  info: z.infer<typeof CompanyInfoRow>,
  preferences: z.infer<typeof PreferencesRow>,
): QuickBooksCompanyFacts {
  const country = info.Country ?? info.CompanyAddr?.Country ?? '';
  const taxModel = country === 'US' ? 'US' : 'NON_US';
  const bookCloseDate = preferences.AccountingInfoPrefs?.BookCloseDate;
  return {
    companyName: info.CompanyName ?? '',
    country,
    taxModel,
    // AST exists only for US companies (§6.1); a non-US PartnerTaxEnabled means nothing to the sync.
    automatedSalesTax: taxModel === 'US' && preferences.TaxPrefs?.PartnerTaxEnabled === true,
    automatedSalesTaxState: automatedSalesTaxStateOf(taxModel, preferences.TaxPrefs?.PartnerTaxEnabled),
    // "If sales tax is disabled (UsingSalesTax false) then TxnTaxDetail is ignored and not stored"
    // (Invoice reference): absent is read as on, which is what every company that charges tax reports.
    usingSalesTax: preferences.TaxPrefs?.UsingSalesTax !== false,
    customTxnNumbers: preferences.SalesFormsPrefs?.CustomTxnNumbers === true,
    homeCurrency: preferences.CurrencyPrefs?.HomeCurrency?.value ?? '',
    multiCurrencyEnabled: preferences.CurrencyPrefs?.MultiCurrencyEnabled === true,
    ...(bookCloseDate ? { bookCloseDate } : {}),
  };
}

/**
 * "If true, AST is enabled for the company and sales tax is set up. If false, AST is enabled for the company
 * but the company doesn't have sales tax set up. If not present in the response payload, the company is not
 * enabled for AST" (Intuit's AST FAQ, blog 2018-05-11). Companies converted from Desktop return it blank
 * (intuit/QuickBooks-V3-PHP-SDK#199): not enabled. Non-US companies report false and have no AST at all.
 */
function automatedSalesTaxStateOf(
  taxModel: 'US' | 'NON_US',
  partnerTaxEnabled: boolean | undefined,
): AutomatedSalesTaxState {
  if (taxModel !== 'US' || partnerTaxEnabled === undefined) return 'OFF';
  return partnerTaxEnabled ? 'ON' : 'NOT_SET_UP';
}

function accountOf(row: z.infer<typeof AccountRow>): QuickBooksAccountRef {
  return {
    id: row.Id,
    name: row.Name,
    fullyQualifiedName: row.FullyQualifiedName ?? row.Name,
    accountType: row.AccountType,
    ...(row.AccountSubType ? { accountSubType: row.AccountSubType } : {}),
    active: row.Active !== false,
  };
}

function itemOf(row: z.infer<typeof ItemRow>): QuickBooksItemRef {
  const incomeAccountId = row.IncomeAccountRef?.value;
  return {
    id: row.Id,
    name: row.Name,
    fullyQualifiedName: row.FullyQualifiedName ?? row.Name,
    ...(row.Sku ? { sku: row.Sku } : {}),
    type: row.Type,
    active: row.Active !== false,
    // A Category has no price or accounts, and a sales line needs an item that posts to an income
    // account (§6.3); a Group (bundle) without one cannot be put on a SalesItemLine either.
    sellable: row.Type !== 'Category' && Boolean(incomeAccountId),
    ...(incomeAccountId ? { incomeAccountId } : {}),
    ...(row.UnitPrice === undefined ? {} : { unitPrice: row.UnitPrice }),
    ...(row.Taxable === undefined ? {} : { taxable: row.Taxable }),
  };
}

function classOf(row: z.infer<typeof ClassRow>): QuickBooksClassRef {
  return {
    id: row.Id,
    name: row.Name,
    fullyQualifiedName: row.FullyQualifiedName ?? row.Name,
    active: row.Active !== false,
  };
}

function termOf(row: z.infer<typeof TermRow>): QuickBooksTermRef {
  return {
    id: row.Id,
    name: row.Name,
    active: row.Active !== false,
    dueDays: row.Type !== 'DATE_DRIVEN' && row.DueDays !== undefined ? row.DueDays : null,
  };
}

function taxRateOf(row: z.infer<typeof TaxRateRow>, logger: Logger): QuickBooksTaxRateRef[] {
  const newest = [...(row.EffectiveTaxRate ?? [])]
    .sort((a, b) => (a.EffectiveDate ?? '').localeCompare(b.EffectiveDate ?? ''))
    .at(-1);
  const ratePercent = row.RateValue ?? newest?.RateValue;
  if (ratePercent === undefined || !Number.isFinite(ratePercent)) {
    logger.warn({ entity: 'TaxRate', id: row.Id }, 'tax rate without a rate value skipped');
    return [];
  }
  return [{ id: row.Id, name: row.Name, ratePercent }];
}

function salesRateIds(row: z.infer<typeof TaxCodeRow>): string[] {
  return (row.SalesTaxRateList?.TaxRateDetail ?? []).map((detail) => detail.TaxRateRef.value);
}

/**
 * TaxRates a code names that the batched query did not return are read one by one (rare: the query asks
 * for inactive rates too). A rate QuickBooks does not have is left out of the code's rates.
 */
async function readMissingRates(
  client: ReferenceClient,
  taxCodes: z.infer<typeof TaxCodeRow>[],
  rates: Map<string, QuickBooksTaxRateRef>,
  logger: Logger,
): Promise<void> {
  const missing = [...new Set(taxCodes.flatMap(salesRateIds))].filter((id) => !rates.has(id));
  for (const id of missing) {
    let entity: Record<string, unknown>;
    try {
      ({ entity } = await client.read('TaxRate', id));
    } catch (error) {
      // A code naming a rate that does not exist must not make the whole company unreadable.
      if (!isQuickBooksError(error, 'not_found')) throw error;
      logger.warn({ entity: 'TaxRate', id }, 'tax code names a tax rate QuickBooks does not have');
      continue;
    }
    const parsed = TaxRateRow.safeParse(entity);
    if (!parsed.success) continue;
    for (const rate of taxRateOf(parsed.data, logger)) rates.set(rate.id, rate);
  }
}

function taxCodeOf(
  row: z.infer<typeof TaxCodeRow>,
  facts: QuickBooksCompanyFacts,
  rates: ReadonlyMap<string, QuickBooksTaxRateRef>,
): QuickBooksTaxCodeRef {
  const rateIds = salesRateIds(row);
  const salesRates = rateIds.flatMap((id) => rates.get(id) ?? []);
  const pseudo = facts.taxModel === 'US' && US_PSEUDO_TAX_CODES.has(row.Id);
  return {
    id: row.Id,
    name: row.Name,
    active: row.Active !== false,
    // A code without sales rates is purchase-only (or, like UK "No VAT" here, has nothing to apply).
    usableOnSales: pseudo || rateIds.length > 0,
    taxable: row.Taxable ?? salesRates.some((rate) => rate.ratePercent > 0),
    salesRates,
  };
}
