/**
 * Reference data of the connected QuickBooks company (issue 10): read through the real client from the
 * emulator over HTTP, cached in the MongoDB-compatible store, served through GraphQL by the real API.
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { CustomerModel, models, ReferenceCacheModel } from '../../src/models/index.js';
import { readReferenceSnapshot } from '../../src/services/reference-data/reader.js';
import { ReferenceDataService } from '../../src/services/reference-data/service.js';
import { codesOf } from '../support/connect-graphql.js';
import { adminOf, memberOf, useConnectRig, type ConnectRig } from '../support/connect-rig.js';
import { silentLogger } from '../support/harness.js';

const rigOf = useConnectRig();

const ACCOUNTS = `query Accounts($customerId: ID!, $types: [String!]) {
  quickbooksAccounts(customerId: $customerId, types: $types) { asOf nodes { id name accountType active } }
}`;
const ITEMS = `query Items($customerId: ID!) {
  quickbooksItems(customerId: $customerId) { asOf nodes { id name type active sellable incomeAccountId } }
}`;
const TAX_CODES = `query TaxCodes($customerId: ID!) {
  quickbooksTaxCodes(customerId: $customerId) {
    asOf nodes { id name active usableOnSales taxable salesRates { id name ratePercent } }
  }
}`;
const CLASSES = `query Classes($customerId: ID!) {
  quickbooksClasses(customerId: $customerId) { asOf nodes { id name active } }
}`;
const TERMS = `query Terms($customerId: ID!) {
  quickbooksTerms(customerId: $customerId) { asOf nodes { id name active dueDays } }
}`;
const FACTS = `query Facts($customerId: ID!) {
  quickbooksCompanyFacts(customerId: $customerId) {
    realmId asOf companyName country taxModel automatedSalesTax customTxnNumbers homeCurrency
    multiCurrencyEnabled bookCloseDate
  }
}`;
const EVERYTHING = `query Everything($customerId: ID!) {
  quickbooksAccounts(customerId: $customerId) { asOf }
  quickbooksItems(customerId: $customerId) { asOf }
  quickbooksTaxCodes(customerId: $customerId) { asOf }
  quickbooksClasses(customerId: $customerId) { asOf }
  quickbooksTerms(customerId: $customerId) { asOf }
  quickbooksCompanyFacts(customerId: $customerId) { asOf }
}`;
const REFRESH = `mutation Refresh($customerId: ID!) {
  refreshQuickBooksReferenceData(customerId: $customerId) {
    asOf accountCount itemCount taxCodeCount classCount termCount
  }
}`;

interface Listed<T> {
  asOf: string;
  nodes: T[];
}
interface ItemNode {
  id: string;
  name: string;
  type: string;
  active: boolean;
  sellable: boolean;
  incomeAccountId: string | null;
}
interface TaxCodeNode {
  id: string;
  name: string;
  active: boolean;
  usableOnSales: boolean;
  taxable: boolean;
  salesRates: { id: string; name: string; ratePercent: number }[];
}
interface TermNode {
  id: string;
  name: string;
  active: boolean;
  dueDays: number | null;
}
interface Facts {
  realmId: string;
  asOf: string;
  companyName: string;
  country: string;
  taxModel: 'US' | 'NON_US';
  automatedSalesTax: boolean;
  customTxnNumbers: boolean;
  homeCurrency: string;
  multiCurrencyEnabled: boolean;
  bookCloseDate: string | null;
}
interface RefreshPayload {
  asOf: string;
  accountCount: number;
  itemCount: number;
  taxCodeCount: number;
  classCount: number;
  termCount: number;
}

type Country = 'US' | 'CA' | 'GB';

/** A company of its own for one test, of any country and settings (the rig's newRealm makes US ones). */
function newCompany(
  rig: ConnectRig,
  options: {
    country: Country;
    automatedSalesTax?: boolean;
    customTxnNumbers?: boolean;
    bookCloseDate?: string;
  },
): string {
  const realmId = `93415${randomBytes(5).readUIntBE(0, 5).toString().padStart(13, '0')}`.slice(0, 18);
  rig.sandbox.control.createRealm({ realmId, companyName: `Reference ${realmId.slice(-4)}`, ...options });
  return realmId;
}

async function connectedTenant(
  rig: ConnectRig,
  options: Parameters<typeof newCompany>[1] = { country: 'US' },
) {
  const tenant = rig.newTenant('ref');
  const realmId = newCompany(rig, options);
  await rig.connected(tenant, realmId);
  return { tenant, realmId };
}

/** Requests the emulator saw for one company since a mark: what the reads cost against Intuit's limits. */
function companyRequests(rig: ConnectRig, mark: number, realmId: string) {
  return rig.sandbox.control.requests({ sinceSeq: mark, realmId });
}

async function data<T>(rig: ConnectRig, query: string, customerId: string, claims = memberOf(customerId)) {
  const response = await rig.graphql<Record<string, T>>(claims, query, { customerId });
  if (response.errors?.length) throw new Error(`GraphQL errors: ${response.text}`);
  const [value] = Object.values(response.data ?? {});
  if (value == null) throw new Error(`no data: ${response.text}`);
  return value;
}

describe('reading the company', () => {
  it('reads every page of a list, inactive and unsellable items included, and each row once', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig);
    const client = rig.workerSide().clientFor(tenant, realmId);
    const created: string[] = [];
    for (const suffix of ['A', 'B', 'C', 'D', 'E']) {
      const { entity } = await client.create(
        'Item',
        { Name: `Drain clearing ${suffix}`, Type: 'Service', IncomeAccountRef: { value: '14' } },
        { requestId: randomUUID() },
      );
      created.push(entity.Id);
    }
    const retired = await client.read('Item', created[0]!);
    await client.sparseUpdate(
      'Item',
      { Id: retired.entity.Id, SyncToken: retired.entity.SyncToken, Active: false },
      { requestId: randomUUID() },
    );
    const category = await client.create(
      'Item',
      { Name: 'Plumbing work', Type: 'Category' },
      { requestId: randomUUID() },
    );
    const stored = rig.sandbox.control.listEntities(realmId, 'Item');

    const mark = rig.mark();
    const snapshot = await readReferenceSnapshot(client, {
      pageSize: 4,
      now: () => new Date('2026-03-01T10:00:00Z'),
      logger: silentLogger(),
    });

    const itemQueries = companyRequests(rig, mark, realmId).filter(
      (entry) => entry.operation === 'query' && /FROM Item/i.test(decodeURIComponent(entry.query)),
    );
    expect(snapshot.items).toHaveLength(stored.length);
    expect(itemQueries.length).toBe(Math.floor(stored.length / 4) + 1);
    expect(new Set(snapshot.items.map((item) => item.id)).size).toBe(stored.length);
    expect(snapshot.items.find((item) => item.id === created[0])).toMatchObject({
      name: 'Drain clearing A',
      active: false,
      sellable: true,
      incomeAccountId: '14',
    });
    expect(snapshot.items.find((item) => item.id === category.entity.Id)).toMatchObject({
      type: 'Category',
      sellable: false,
    });
    expect(snapshot.asOf).toEqual(new Date('2026-03-01T10:00:00Z'));
    expect(snapshot.accounts.length).toBe(rig.sandbox.control.listEntities(realmId, 'Account').length);
    expect(snapshot.classes.map((c) => c.name).sort()).toEqual(['Design', 'Landscaping', 'Maintenance']);
  });

  it('US company: TAX and NON line codes, tax groups with their rates joined from one TaxRate query', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig, { country: 'US' });
    const mark = rig.mark();

    const facts = await data<Facts>(rig, FACTS, tenant);
    const taxCodes = await data<Listed<TaxCodeNode>>(rig, TAX_CODES, tenant);

    expect(facts).toMatchObject({
      realmId,
      country: 'US',
      taxModel: 'US',
      automatedSalesTax: false,
      customTxnNumbers: false,
      homeCurrency: 'USD',
      multiCurrencyEnabled: false,
      bookCloseDate: null,
    });
    const byId = new Map(taxCodes.nodes.map((code) => [code.id, code]));
    expect(byId.get('TAX')).toMatchObject({ usableOnSales: true, taxable: true, salesRates: [] });
    expect(byId.get('NON')).toMatchObject({ usableOnSales: true, taxable: false, salesRates: [] });
    expect(byId.get('3')).toMatchObject({
      name: 'San Pablo',
      usableOnSales: true,
      salesRates: [
        { id: '1', name: 'California', ratePercent: 7.25 },
        { id: '2', name: 'San Pablo City', ratePercent: 1 },
      ],
    });
    const queries = companyRequests(rig, mark, realmId).map((entry) => decodeURIComponent(entry.query));
    expect(queries.filter((query) => /FROM TaxRate/i.test(query))).toHaveLength(1);
    // Every rate a code names came with that one query: no single reads of TaxRate.
    expect(companyRequests(rig, mark, realmId).filter((entry) => /\/taxrate\//.test(entry.path))).toEqual([]);
  });

  it('a tax code naming a rate the TaxRate query did not return: read alone, and left out if QuickBooks has none', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig, { country: 'US' });
    rig.sandbox.control.editEntity(realmId, 'TaxCode', '3', {
      SalesTaxRateList: {
        TaxRateDetail: [{ TaxRateRef: { value: '1' } }, { TaxRateRef: { value: '999' } }],
      },
    });
    const mark = rig.mark();

    const taxCodes = await data<Listed<TaxCodeNode>>(rig, TAX_CODES, tenant);

    expect(taxCodes.nodes.find((code) => code.id === '3')).toMatchObject({
      usableOnSales: true,
      salesRates: [{ id: '1', ratePercent: 7.25 }],
    });
    const singleReads = companyRequests(rig, mark, realmId).filter((entry) => /\/taxrate\//.test(entry.path));
    expect(singleReads.map((entry) => [entry.path.split('/').at(-1), entry.status])).toEqual([['999', 400]]);
  });

  it('US company with Automated Sales Tax: the fact says so', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'US', automatedSalesTax: true });
    const facts = await data<Facts>(rig, FACTS, tenant);
    expect(facts).toMatchObject({ taxModel: 'US', automatedSalesTax: true });
    const taxCodes = await data<Listed<TaxCodeNode>>(rig, TAX_CODES, tenant);
    // The emulator's AST codes (ids 101-116) are read like any other code, with their rates.
    const astCodes = taxCodes.nodes.filter((code) => Number(code.id) >= 101);
    expect(astCodes.length).toBeGreaterThan(0);
    expect(astCodes.every((code) => code.salesRates.length > 0)).toBe(true);
  });

  it('Canadian company: per-line codes with their rates, custom transaction numbers on', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'CA', customTxnNumbers: true });
    const facts = await data<Facts>(rig, FACTS, tenant);
    expect(facts).toMatchObject({
      country: 'CA',
      taxModel: 'NON_US',
      automatedSalesTax: false,
      customTxnNumbers: true,
      homeCurrency: 'CAD',
    });
    const taxCodes = await data<Listed<TaxCodeNode>>(rig, TAX_CODES, tenant);
    const byName = new Map(taxCodes.nodes.map((code) => [code.name, code]));
    expect(byName.has('TAX')).toBe(false);
    expect(byName.get('HST ON')).toMatchObject({
      usableOnSales: true,
      taxable: true,
      salesRates: [{ name: 'HST ON', ratePercent: 13 }],
    });
    expect(byName.get('Exempt')).toMatchObject({ usableOnSales: true, taxable: false });
  });

  it('UK company: VAT codes, a code without sales rates is not usable on sales, the closing date', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'GB', bookCloseDate: '2026-01-31' });
    const facts = await data<Facts>(rig, FACTS, tenant);
    expect(facts).toMatchObject({
      country: 'GB',
      taxModel: 'NON_US',
      homeCurrency: 'GBP',
      bookCloseDate: '2026-01-31',
    });
    const taxCodes = await data<Listed<TaxCodeNode>>(rig, TAX_CODES, tenant);
    const byName = new Map(taxCodes.nodes.map((code) => [code.name, code]));
    expect(byName.get('20.0% S')).toMatchObject({ usableOnSales: true, salesRates: [{ ratePercent: 20 }] });
    expect(byName.get('No VAT')).toMatchObject({ usableOnSales: false, salesRates: [] });
  });

  it('accounts filter by AccountType; an unknown type is BAD_USER_INPUT naming the argument', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig);
    const response = await rig.graphql<{ quickbooksAccounts: Listed<{ accountType: string; name: string }> }>(
      memberOf(tenant),
      ACCOUNTS,
      { customerId: tenant, types: ['Income', 'Bank'] },
    );
    const nodes = response.data?.quickbooksAccounts.nodes ?? [];
    expect(new Set(nodes.map((account) => account.accountType))).toEqual(new Set(['Income', 'Bank']));
    expect(nodes.map((account) => account.name)).toEqual(expect.arrayContaining(['Services', 'Checking']));

    const typo = await rig.graphql(memberOf(tenant), ACCOUNTS, { customerId: tenant, types: ['income'] });
    expect(codesOf(typo)).toEqual(['BAD_USER_INPUT']);
    expect(typo.errors?.[0]?.extensions?.field).toBe('types');
  });
});

describe('the cache', () => {
  it('the first page view reads the company once for all six lists; later views make no QuickBooks request', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig);
    const first = rig.mark();

    const everything = await rig.graphql<Record<string, { asOf: string }>>(memberOf(tenant), EVERYTHING, {
      customerId: tenant,
    });
    expect(everything.errors).toBeUndefined();
    const asOfs = new Set(Object.values(everything.data ?? {}).map((list) => list.asOf));
    expect(asOfs.size).toBe(1);
    const firstRead = companyRequests(rig, first, realmId);
    // Six name-list queries, Preferences, CompanyInfo: the six fields shared one read.
    expect(firstRead.filter((entry) => /FROM Item/i.test(decodeURIComponent(entry.query)))).toHaveLength(1);
    expect(firstRead).toHaveLength(8);

    const second = rig.mark();
    const again = await rig.graphql<Record<string, { asOf: string }>>(memberOf(tenant), EVERYTHING, {
      customerId: tenant,
    });
    const items = await data<Listed<ItemNode>>(rig, ITEMS, tenant);
    const classes = await data<Listed<{ name: string }>>(rig, CLASSES, tenant);
    expect(companyRequests(rig, second, realmId)).toEqual([]);
    expect(Object.values(again.data ?? {}).map((list) => list.asOf)).toEqual(Array(6).fill([...asOfs][0]));
    expect(items.asOf).toBe([...asOfs][0]);
    expect(classes.nodes.length).toBe(3);
  });

  it('refresh reads the company again, moves asOf and shows what changed in QuickBooks since', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig);
    const before = await data<Listed<ItemNode>>(rig, ITEMS, tenant);
    const client = rig.workerSide().clientFor(tenant, realmId);
    await client.create(
      'Item',
      { Name: 'Water heater install', Type: 'Service', IncomeAccountRef: { value: '14' } },
      { requestId: randomUUID() },
    );
    // Cached: the new item is not seen until a refresh.
    expect((await data<Listed<ItemNode>>(rig, ITEMS, tenant)).nodes).toHaveLength(before.nodes.length);

    const mark = rig.mark();
    const refreshed = await data<RefreshPayload>(rig, REFRESH, tenant, adminOf(tenant));
    expect(companyRequests(rig, mark, realmId).length).toBeGreaterThanOrEqual(8);
    expect(Date.parse(refreshed.asOf)).toBeGreaterThan(Date.parse(before.asOf));
    expect(refreshed).toMatchObject({
      itemCount: before.nodes.length + 1,
      classCount: 3,
      termCount: 5,
      taxCodeCount: 5,
      accountCount: rig.sandbox.control.listEntities(realmId, 'Account').length,
    });

    const after = await data<Listed<ItemNode>>(rig, ITEMS, tenant);
    expect(after.asOf).toBe(refreshed.asOf);
    expect(after.nodes.map((item) => item.name)).toContain('Water heater install');
  });

  it('a failed refresh keeps the cached copy; with nothing cached a failed read is QUICKBOOKS_UNAVAILABLE', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig);
    const cached = await data<Listed<ItemNode>>(rig, ITEMS, tenant);
    rig.sandbox.control.injectFault({
      match: { realmId, operation: 'query' },
      times: null,
      action: { type: 'status', status: 503 },
    });

    const refresh = await rig.graphql<{ refreshQuickBooksReferenceData: RefreshPayload | null }>(
      adminOf(tenant),
      REFRESH,
      { customerId: tenant },
    );
    expect(codesOf(refresh)).toEqual(['QUICKBOOKS_UNAVAILABLE']);
    expect(refresh.errors?.[0]?.extensions?.retryable).toBe(true);
    expect((await data<Listed<ItemNode>>(rig, ITEMS, tenant)).asOf).toBe(cached.asOf);

    const other = await connectedTenant(rig);
    rig.sandbox.control.injectFault({
      match: { realmId: other.realmId, operation: 'query' },
      times: null,
      action: { type: 'status', status: 503 },
    });
    const items = await rig.graphql<{ quickbooksItems: unknown }>(memberOf(other.tenant), ITEMS, {
      customerId: other.tenant,
    });
    expect(codesOf(items)).toEqual(['QUICKBOOKS_UNAVAILABLE']);
    expect(items.data?.quickbooksItems).toBeNull();
  });

  it('concurrent first loads of one company in one process share one read', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig);
    const service = new ReferenceDataService({
      models,
      quickbooks: rig.workerSide(),
      now: () => new Date(),
      logger: silentLogger(),
    });
    const mark = rig.mark();

    const loads = await Promise.all([service.get(tenant), service.get(tenant), service.refresh(tenant)]);

    expect(new Set(loads.map((snapshot) => snapshot.asOf.getTime())).size).toBe(1);
    // One read is 8 requests (6 name-list queries, Preferences, CompanyInfo); three unshared reads are 24.
    expect(companyRequests(rig, mark, realmId)).toHaveLength(8);
  });

  it('an older read finishing last does not replace a newer cached one (two processes racing)', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig);
    const quickbooks = rig.workerSide();
    // Within the tokens' lifetime: the service checks the connection against its clock too.
    const start = Date.now();
    const serviceAt = (offsetMs: number) =>
      new ReferenceDataService({
        models,
        quickbooks,
        now: () => new Date(start + offsetMs),
        logger: silentLogger(),
      });

    const newer = await serviceAt(60_000).refresh(tenant);
    const older = await serviceAt(30_000).refresh(tenant);

    expect(older.asOf).toEqual(new Date(start + 30_000));
    expect((await serviceAt(90_000).get(tenant)).asOf).toEqual(newer.asOf);
    expect(newer.asOf).toEqual(new Date(start + 60_000));
  });
});

describe('payment terms', () => {
  const byName = (terms: Listed<TermNode>) =>
    Object.fromEntries(terms.nodes.map(({ name, active, dueDays }) => [name, { active, dueDays }]));

  it('every term is read with its due days, an inactive one as active: false; cached, and a refresh shows what changed', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig);
    const seeded = rig.sandbox.control.listEntities(realmId, 'Term') as { Id: string; Name: string }[];
    const idOf = (name: string) => seeded.find((term) => term.Name === name)!.Id;
    rig.sandbox.control.editEntity(realmId, 'Term', idOf('Net 60'), { Active: false });
    const mark = rig.mark();

    const terms = await data<Listed<TermNode>>(rig, TERMS, tenant);

    expect(terms.nodes).toHaveLength(seeded.length);
    expect(byName(terms)).toEqual({
      'Due on receipt': { active: true, dueDays: 0 },
      'Net 10': { active: true, dueDays: 10 },
      'Net 15': { active: true, dueDays: 15 },
      'Net 30': { active: true, dueDays: 30 },
      'Net 60': { active: false, dueDays: 60 },
    });
    expect(terms.nodes.find((term) => term.name === 'Net 30')?.id).toBe(idOf('Net 30'));
    const termQueries = companyRequests(rig, mark, realmId)
      .map((entry) => decodeURIComponent(entry.query))
      .filter((query) => /FROM Term\b/i.test(query));
    expect(termQueries).toHaveLength(1);

    // Cached: no QuickBooks request, and a change made in QuickBooks since is not seen until a refresh.
    rig.sandbox.control.editEntity(realmId, 'Term', idOf('Net 10'), { Active: false });
    const cachedMark = rig.mark();
    const cached = await data<Listed<TermNode>>(rig, TERMS, tenant);
    expect(companyRequests(rig, cachedMark, realmId)).toEqual([]);
    expect(cached.asOf).toBe(terms.asOf);
    expect(byName(cached)['Net 10']).toEqual({ active: true, dueDays: 10 });

    const refreshed = await data<RefreshPayload>(rig, REFRESH, tenant, adminOf(tenant));
    expect(refreshed.termCount).toBe(seeded.length);
    const after = await data<Listed<TermNode>>(rig, TERMS, tenant);
    expect(after.asOf).toBe(refreshed.asOf);
    expect(byName(after)['Net 10']).toEqual({ active: false, dueDays: 10 });
    expect(byName(after)['Net 30']).toEqual({ active: true, dueDays: 30 });
  });

  it('a copy cached before terms were read is read again once; the next view costs nothing', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig);
    const before = await data<Listed<ItemNode>>(rig, ITEMS, tenant);
    await ReferenceCacheModel.updateOne({ _id: realmId }, { $unset: { terms: '' } });
    const mark = rig.mark();

    const terms = await data<Listed<TermNode>>(rig, TERMS, tenant);

    expect(terms.nodes.map((term) => term.name)).toContain('Net 30');
    expect(Date.parse(terms.asOf)).toBeGreaterThan(Date.parse(before.asOf));
    expect(companyRequests(rig, mark, realmId)).toHaveLength(8);
    const again = rig.mark();
    expect((await data<Listed<ItemNode>>(rig, ITEMS, tenant)).asOf).toBe(terms.asOf);
    expect((await data<Listed<TermNode>>(rig, TERMS, tenant)).nodes).toHaveLength(terms.nodes.length);
    expect(companyRequests(rig, again, realmId)).toEqual([]);
  });

  it('a copy cached before terms were read, and QuickBooks not answering: the lists still show, without terms', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig);
    const items = await data<Listed<ItemNode>>(rig, ITEMS, tenant);
    await ReferenceCacheModel.updateOne({ _id: realmId }, { $unset: { terms: '' } });
    rig.sandbox.control.injectFault({
      match: { realmId, operation: 'query' },
      times: null,
      action: { type: 'status', status: 503 },
    });

    const terms = await data<Listed<TermNode>>(rig, TERMS, tenant);
    expect(terms).toEqual({ asOf: items.asOf, nodes: [] });
    expect(await data<Listed<ItemNode>>(rig, ITEMS, tenant)).toEqual(items);
  });
});

describe('connection and access', () => {
  const ALL = [ACCOUNTS, ITEMS, TAX_CODES, CLASSES, TERMS, FACTS];

  it('a customer without QuickBooks gets QUICKBOOKS_NOT_CONNECTED and null on every list', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant('ref-none');
    const mark = rig.mark();
    for (const query of ALL) {
      const response = await rig.graphql<Record<string, unknown>>(memberOf(tenant), query, {
        customerId: tenant,
      });
      expect(codesOf(response)).toEqual(['QUICKBOOKS_NOT_CONNECTED']);
      expect(Object.values(response.data ?? {})).toEqual([null]);
    }
    const refresh = await rig.graphql(adminOf(tenant), REFRESH, { customerId: tenant });
    expect(codesOf(refresh)).toEqual(['QUICKBOOKS_NOT_CONNECTED']);
    expect(rig.requestsSince(mark)).toEqual([]);
  });

  it('a connection that needs reauthorization gets QUICKBOOKS_REAUTH_REQUIRED even with data cached', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig);
    await data<Listed<ItemNode>>(rig, ITEMS, tenant);
    await CustomerModel.updateOne(
      { _id: tenant },
      { $set: { 'integrations.quickbooks.state': 'NEEDS_REAUTH' } },
    );
    const mark = rig.mark();
    const response = await rig.graphql(memberOf(tenant), ITEMS, { customerId: tenant });
    expect(codesOf(response)).toEqual(['QUICKBOOKS_REAUTH_REQUIRED']);
    expect(companyRequests(rig, mark, realmId)).toEqual([]);
  });

  it("customer A's token cannot read or refresh B's reference data: FORBIDDEN, and nothing reaches QuickBooks", async () => {
    const rig = rigOf();
    const a = await connectedTenant(rig);
    const b = await connectedTenant(rig);
    const mark = rig.mark();
    for (const query of ALL) {
      const response = await rig.graphql<Record<string, unknown>>(adminOf(a.tenant), query, {
        customerId: b.tenant,
      });
      expect(codesOf(response)).toEqual(['FORBIDDEN']);
      expect(Object.values(response.data ?? {})).toEqual([null]);
    }
    const refresh = await rig.graphql(adminOf(a.tenant), REFRESH, { customerId: b.tenant });
    expect(codesOf(refresh)).toEqual(['FORBIDDEN']);
    expect(companyRequests(rig, mark, b.realmId)).toEqual([]);
  });

  it('a member reads every list but may not refresh; an admin may', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig);
    for (const query of ALL) await data(rig, query, tenant, memberOf(tenant));

    const mark = rig.mark();
    const refused = await rig.graphql(memberOf(tenant), REFRESH, { customerId: tenant });
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors?.[0]?.message).toBe(
      'Only an admin of this customer may refresh the QuickBooks reference data',
    );
    expect(companyRequests(rig, mark, realmId)).toEqual([]);

    const refreshed = await data<RefreshPayload>(rig, REFRESH, tenant, adminOf(tenant));
    expect(refreshed.itemCount).toBe(rig.sandbox.control.listEntities(realmId, 'Item').length);
  });
});
