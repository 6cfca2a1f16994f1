/**
 * Mappings and sync settings (issue 10) through the real API: validated against the connected company's
 * reference data (read from the emulator over HTTP, cached in the MongoDB-compatible store), stored in one
 * document per tenant, judged again on every read.
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { MappingSetModel } from '../../src/models/index.js';
import { codesOf, type GraphQLErrorResult } from '../support/connect-graphql.js';
import { adminOf, memberOf, useConnectRig, type ConnectRig } from '../support/connect-rig.js';

const rigOf = useConnectRig();

const MAPPING_FIELDS = 'kind sourceKey targetId targetName status problem reason updatedAt updatedBy';
const LIST = `query Mappings($customerId: ID!) { quickbooksMappings(customerId: $customerId) { ${MAPPING_FIELDS} } }`;
const SET_ONE = `mutation SetOne($customerId: ID!, $input: QuickBooksMappingInput!) {
  setQuickBooksMapping(customerId: $customerId, input: $input) { ${MAPPING_FIELDS} }
}`;
const SET_MANY = `mutation SetMany($customerId: ID!, $entries: [QuickBooksMappingInput!]!) {
  setQuickBooksMappings(customerId: $customerId, entries: $entries) { ${MAPPING_FIELDS} }
}`;
const REMOVE = `mutation Remove($customerId: ID!, $kind: QuickBooksMappingKind!, $sourceKey: String!) {
  removeQuickBooksMapping(customerId: $customerId, kind: $kind, sourceKey: $sourceKey)
}`;
const REFRESH = `mutation Refresh($customerId: ID!) { refreshQuickBooksReferenceData(customerId: $customerId) { asOf } }`;
const SETTINGS_FIELDS = 'autoSync existingInvoiceNumber pullPayments defaultTermsId';
const READ_SETTINGS = `query Settings($customerId: ID!) {
  quickbooksConnection(customerId: $customerId) { status settings { ${SETTINGS_FIELDS} } }
}`;
const UPDATE_SETTINGS = `mutation UpdateSettings($customerId: ID!, $input: QuickBooksSettingsInput!) {
  updateQuickBooksSettings(customerId: $customerId, input: $input) { ${SETTINGS_FIELDS} }
}`;

interface Mapping {
  kind: string;
  sourceKey: string;
  targetId: string;
  targetName: string;
  status: 'OK' | 'BROKEN';
  problem: string | null;
  reason: string | null;
  updatedBy: string;
}
type Problem = { field: string; message: string };
type ErrorWithProblems = GraphQLErrorResult & { extensions?: { problems?: Problem[] } };

type Country = 'US' | 'CA' | 'GB';

async function connectedTenant(rig: ConnectRig, options: { country: Country; automatedSalesTax?: boolean }) {
  const tenant = rig.newTenant('map');
  const realmId = `93416${randomBytes(5).readUIntBE(0, 5).toString().padStart(13, '0')}`.slice(0, 18);
  rig.sandbox.control.createRealm({ realmId, companyName: `Mapping ${realmId.slice(-4)}`, ...options });
  await rig.connected(tenant, realmId);
  return { tenant, realmId };
}

async function list(rig: ConnectRig, tenant: string, claims = memberOf(tenant)): Promise<Mapping[]> {
  const response = await rig.graphql<{ quickbooksMappings: Mapping[] | null }>(claims, LIST, {
    customerId: tenant,
  });
  if (!response.data?.quickbooksMappings) throw new Error(`quickbooksMappings failed: ${response.text}`);
  return response.data.quickbooksMappings;
}

/** Seeded ids of every emulator company: Services income (14), Checking (1), Undeposited Funds (4), Inventory Asset (5). */
const SERVICES_INCOME = '14';

describe('setting, listing and removing mappings', () => {
  it('an admin maps one item kind; members read it with its QuickBooks name; removal is audited', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig, { country: 'US' });
    const admin = adminOf(tenant);

    const set = await rig.graphql<{ setQuickBooksMapping: Mapping }>(admin, SET_ONE, {
      customerId: tenant,
      input: { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: '2' },
    });
    expect(set.errors).toBeUndefined();
    expect(set.data?.setQuickBooksMapping).toMatchObject({
      kind: 'ITEM',
      sourceKey: 'ITEM_KIND:LABOR',
      targetId: '2',
      targetName: 'Hours',
      status: 'OK',
      updatedBy: admin.userId,
    });
    expect(await list(rig, tenant)).toEqual([
      expect.objectContaining({
        sourceKey: 'ITEM_KIND:LABOR',
        targetName: 'Hours',
        status: 'OK',
        problem: null,
      }),
    ]);

    // Replacing keeps one entry per key.
    await rig.graphql(admin, SET_ONE, {
      customerId: tenant,
      input: { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: '6' },
    });
    expect((await list(rig, tenant)).map((m) => m.targetName)).toEqual(['Installation']);

    const removed = await rig.graphql<{ removeQuickBooksMapping: boolean }>(admin, REMOVE, {
      customerId: tenant,
      kind: 'ITEM',
      sourceKey: 'ITEM_KIND:LABOR',
    });
    expect(removed.data?.removeQuickBooksMapping).toBe(true);
    const again = await rig.graphql<{ removeQuickBooksMapping: boolean }>(admin, REMOVE, {
      customerId: tenant,
      kind: 'ITEM',
      sourceKey: 'ITEM_KIND:LABOR',
    });
    expect(again.data?.removeQuickBooksMapping).toBe(false);
    expect(await list(rig, tenant)).toEqual([]);

    const audit = (await rig.auditLog(tenant)).filter(
      (entry) => entry.action === 'QUICKBOOKS_MAPPING_CHANGED',
    );
    expect(audit.map((entry) => entry.reason)).toEqual([
      'removed ITEM ITEM_KIND:LABOR (was "Installation", id 6)',
      'ITEM ITEM_KIND:LABOR → "Installation" (id 6), was "Hours" (id 2)',
      'ITEM ITEM_KIND:LABOR → "Hours" (id 2)',
    ]);
    expect(audit.every((entry) => entry.actorUserId === admin.userId && entry.realmId === realmId)).toBe(
      true,
    );
  });

  it('a single invalid mapping names input.targetId and why', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'US' });
    const response = await rig.graphql(adminOf(tenant), SET_ONE, {
      customerId: tenant,
      input: { kind: 'INCOME_ACCOUNT', sourceKey: 'INCOME_ACCOUNT', targetId: '1' },
    });
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe('input.targetId');
    expect(response.errors?.[0]?.message).toContain(
      'the account "Checking" is of type Bank (Checking); items the sync creates need an Income account',
    );
  });

  it('a bulk call with one bad entry saves nothing and lists that entry', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'US' });
    const admin = adminOf(tenant);
    await rig.graphql(admin, SET_ONE, {
      customerId: tenant,
      input: { kind: 'DEPOSIT_ACCOUNT', sourceKey: 'DEPOSIT_ACCOUNT', targetId: '4' },
    });

    const refused = await rig.graphql(admin, SET_MANY, {
      customerId: tenant,
      entries: [
        { kind: 'ITEM', sourceKey: 'ITEM_KIND:SERVICE', targetId: '1' },
        { kind: 'INCOME_ACCOUNT', sourceKey: 'INCOME_ACCOUNT', targetId: SERVICES_INCOME },
        { kind: 'DEPOSIT_ACCOUNT', sourceKey: 'DEPOSIT_ACCOUNT', targetId: '5' },
        { kind: 'CLASS', sourceKey: 'BUSINESS_UNIT:north', targetId: '1' },
      ],
    });
    expect(codesOf(refused)).toEqual(['BAD_USER_INPUT']);
    const error = refused.errors?.[0] as ErrorWithProblems;
    expect(error.extensions?.field).toBe('entries[2].targetId');
    expect(error.extensions?.problems).toEqual([
      {
        field: 'entries[2].targetId',
        message:
          'the account "Inventory Asset" is of type Other Current Asset (Inventory); payments are deposited to a Bank account or to Undeposited Funds',
      },
    ]);
    // Nothing of the call was saved, and what was there before is untouched.
    expect((await list(rig, tenant)).map((m) => [m.kind, m.targetId])).toEqual([['DEPOSIT_ACCOUNT', '4']]);

    const saved = await rig.graphql<{ setQuickBooksMappings: Mapping[] }>(admin, SET_MANY, {
      customerId: tenant,
      entries: [
        { kind: 'ITEM', sourceKey: 'ITEM_KIND:SERVICE', targetId: '1' },
        { kind: 'INCOME_ACCOUNT', sourceKey: 'INCOME_ACCOUNT', targetId: SERVICES_INCOME },
        { kind: 'DEPOSIT_ACCOUNT', sourceKey: 'DEPOSIT_ACCOUNT', targetId: '1' },
        { kind: 'CLASS', sourceKey: 'BUSINESS_UNIT:north', targetId: '1' },
      ],
    });
    expect(saved.errors).toBeUndefined();
    expect((await list(rig, tenant)).map((m) => [m.kind, m.targetName])).toEqual([
      ['DEPOSIT_ACCOUNT', 'Checking'],
      ['ITEM', 'Services'],
      ['INCOME_ACCOUNT', 'Services'],
      ['CLASS', 'Design'],
    ]);
    const stored = await MappingSetModel.findById(tenant).lean();
    expect(stored?.version).toBe(2);
  });
  it('concurrent changes to different keys all land (compare-and-set, no lost update)', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'US' });
    const admin = adminOf(tenant);
    const kinds = ['SERVICE', 'MATERIAL', 'LABOR', 'FEE'];
    const responses = await Promise.all(
      kinds.map((kind) =>
        rig.graphql(admin, SET_ONE, {
          customerId: tenant,
          input: { kind: 'ITEM', sourceKey: `ITEM_KIND:${kind}`, targetId: '1' },
        }),
      ),
    );
    expect(responses.flatMap((response) => codesOf(response))).toEqual([]);
    expect((await list(rig, tenant)).map((m) => m.sourceKey).sort()).toEqual(
      kinds.map((kind) => `ITEM_KIND:${kind}`).sort(),
    );
  });
});

describe('broken mappings', () => {
  it('an item made inactive in QuickBooks shows as BROKEN after the next refresh, not before', async () => {
    const rig = rigOf();
    const { tenant, realmId } = await connectedTenant(rig, { country: 'US' });
    const admin = adminOf(tenant);
    const client = rig.workerSide().clientFor(tenant, realmId);
    const { entity: item } = await client.create(
      'Item',
      { Name: 'Water heater flush', Type: 'Service', IncomeAccountRef: { value: SERVICES_INCOME } },
      { requestId: randomUUID() },
    );
    // The cache was read at connect time or on first use: the new item needs a refresh to be mappable.
    await rig.graphql(admin, REFRESH, { customerId: tenant });
    const set = await rig.graphql(admin, SET_ONE, {
      customerId: tenant,
      input: { kind: 'ITEM', sourceKey: 'SERVICE_CODE:WH-FLUSH', targetId: item.Id },
    });
    expect(set.errors).toBeUndefined();

    await client.sparseUpdate(
      'Item',
      { Id: item.Id, SyncToken: item.SyncToken, Active: false },
      { requestId: randomUUID() },
    );
    expect((await list(rig, tenant))[0]?.status).toBe('OK');

    const refreshed = await rig.graphql(admin, REFRESH, { customerId: tenant });
    expect(refreshed.errors).toBeUndefined();
    expect(await list(rig, tenant)).toEqual([
      expect.objectContaining({
        sourceKey: 'SERVICE_CODE:WH-FLUSH',
        targetName: 'Water heater flush',
        status: 'BROKEN',
        problem: 'TARGET_INACTIVE',
        reason: 'the item "Water heater flush" is inactive in QuickBooks',
      }),
    ]);
    // And it can no longer be chosen.
    const again = await rig.graphql(admin, SET_ONE, {
      customerId: tenant,
      input: { kind: 'ITEM', sourceKey: 'SERVICE_CODE:WH-FLUSH', targetId: item.Id },
    });
    expect(codesOf(again)).toEqual(['BAD_USER_INPUT']);
  });
  it('mappings made for another company read as BROKEN after reconnecting to a different one', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'US' });
    const admin = adminOf(tenant);
    await rig.graphql(admin, SET_ONE, {
      customerId: tenant,
      input: { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: '1' },
    });
    await rig.graphql(
      admin,
      `mutation D($customerId: ID!) { disconnectQuickBooks(customerId: $customerId) { revokedAtQuickBooks } }`,
      { customerId: tenant },
    );
    const other = rig.newRealm();
    await rig.connected(tenant, other.realmId);
    expect(await list(rig, tenant)).toEqual([
      expect.objectContaining({ sourceKey: 'ITEM_KIND:FEE', status: 'BROKEN', problem: 'OTHER_COMPANY' }),
    ]);
    // Mapping again for the connected company replaces what was made for the old one.
    await rig.graphql(admin, SET_ONE, {
      customerId: tenant,
      input: { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: '2' },
    });
    expect((await list(rig, tenant)).map((m) => [m.sourceKey, m.status])).toEqual([
      ['ITEM_KIND:LABOR', 'OK'],
    ]);
  });
});

describe('tax codes by company', () => {
  it('US: a rate maps to the transaction tax code, TAX and NON only mark lines', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'US' });
    const admin = adminOf(tenant);
    const onTax = await rig.graphql(admin, SET_ONE, {
      customerId: tenant,
      input: { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.0725', targetId: 'TAX' },
    });
    expect(codesOf(onTax)).toEqual(['BAD_USER_INPUT']);
    expect(onTax.errors?.[0]?.message).toContain('on a US company TAX only marks a line taxable or not');

    const ok = await rig.graphql<{ setQuickBooksMappings: Mapping[] }>(admin, SET_MANY, {
      customerId: tenant,
      entries: [
        { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.0725', targetId: '2' },
        { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0', targetId: 'NON' },
      ],
    });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.setQuickBooksMappings.map((m) => m.targetName)).toEqual(['California', 'NON']);
  });

  it('US with Automated Sales Tax: tax-rate mappings are refused as not needed', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'US', automatedSalesTax: true });
    const response = await rig.graphql(adminOf(tenant), SET_ONE, {
      customerId: tenant,
      input: { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.0725', targetId: '2' },
    });
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe('input.targetId');
    expect(response.errors?.[0]?.message).toContain('this company uses Automated Sales Tax');
  });

  it('non-US: a rate maps to a sales code of its own, zero-rated included; a code with no sales rate is refused', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'GB' });
    const admin = adminOf(tenant);
    const ok = await rig.graphql<{ setQuickBooksMappings: Mapping[] }>(admin, SET_MANY, {
      customerId: tenant,
      entries: [
        { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.2', targetId: '2' },
        { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0', targetId: '4' },
      ],
    });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.setQuickBooksMappings.map((m) => m.targetName)).toEqual(['20.0% S', '0.0% Z']);
    const noVat = await rig.graphql(admin, SET_ONE, {
      customerId: tenant,
      input: { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.05', targetId: '6' },
    });
    expect(codesOf(noVat)).toEqual(['BAD_USER_INPUT']);
    expect(noVat.errors?.[0]?.message).toContain('"No VAT" has no sales rate');
  });
});

describe('who may read and change mappings', () => {
  it("customer A's admin can neither read nor change B's mappings", async () => {
    const rig = rigOf();
    const a = await connectedTenant(rig, { country: 'US' });
    const b = await connectedTenant(rig, { country: 'US' });
    await rig.graphql(adminOf(b.tenant), SET_ONE, {
      customerId: b.tenant,
      input: { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: '1' },
    });
    const adminA = adminOf(a.tenant);

    const read = await rig.graphql<{ quickbooksMappings: Mapping[] | null }>(adminA, LIST, {
      customerId: b.tenant,
    });
    expect(codesOf(read)).toEqual(['FORBIDDEN']);
    expect(read.data?.quickbooksMappings).toBeNull();
    for (const [query, variables] of [
      [SET_ONE, { input: { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: '2' } }],
      [SET_MANY, { entries: [{ kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: '2' }] }],
      [REMOVE, { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE' }],
      [UPDATE_SETTINGS, { input: { autoSync: false } }],
    ] as const) {
      const response = await rig.graphql(adminA, query, { customerId: b.tenant, ...variables });
      expect(codesOf(response)).toEqual(['FORBIDDEN']);
    }
    expect((await list(rig, b.tenant)).map((m) => m.targetId)).toEqual(['1']);
  });

  it('a member reads mappings and settings but is refused every change', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'US' });
    const member = memberOf(tenant);
    expect(await list(rig, tenant, member)).toEqual([]);
    for (const [query, variables] of [
      [SET_ONE, { input: { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: '1' } }],
      [SET_MANY, { entries: [{ kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: '1' }] }],
      [REMOVE, { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE' }],
      [UPDATE_SETTINGS, { input: { autoSync: false } }],
    ] as const) {
      const response = await rig.graphql(member, query, { customerId: tenant, ...variables });
      expect(codesOf(response)).toEqual(['FORBIDDEN']);
      expect(response.errors?.[0]?.message).toMatch(/^Only an admin of this customer may change QuickBooks/);
    }
    expect(await list(rig, tenant)).toEqual([]);
  });
});

describe('sync settings', () => {
  it('defaults, a partial update, default terms checked against the company, and an audit of what changed', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'US' });
    const admin = adminOf(tenant);
    const read = async () => {
      const response = await rig.graphql<{
        quickbooksConnection: { settings: Record<string, unknown> } | null;
      }>(memberOf(tenant), READ_SETTINGS, { customerId: tenant });
      return response.data?.quickbooksConnection?.settings;
    };
    expect(await read()).toEqual({
      autoSync: true,
      existingInvoiceNumber: 'STOP',
      pullPayments: true,
      defaultTermsId: null,
    });

    const updated = await rig.graphql(admin, UPDATE_SETTINGS, {
      customerId: tenant,
      input: { autoSync: false, existingInvoiceNumber: 'LINK', defaultTermsId: '4' },
    });
    expect(updated.errors).toBeUndefined();
    expect(await read()).toEqual({
      autoSync: false,
      existingInvoiceNumber: 'LINK',
      pullPayments: true,
      defaultTermsId: '4',
    });

    const unknownTerm = await rig.graphql(admin, UPDATE_SETTINGS, {
      customerId: tenant,
      input: { pullPayments: false, defaultTermsId: '999' },
    });
    expect(codesOf(unknownTerm)).toEqual(['BAD_USER_INPUT']);
    expect(unknownTerm.errors?.[0]?.extensions?.field).toBe('input.defaultTermsId');
    expect(unknownTerm.errors?.[0]?.message).toBe('QuickBooks has no active payment term with id 999');
    // Refused as a whole: pullPayments did not change either.
    expect((await read())?.pullPayments).toBe(true);

    const cleared = await rig.graphql(admin, UPDATE_SETTINGS, {
      customerId: tenant,
      input: { defaultTermsId: null },
    });
    expect(cleared.errors).toBeUndefined();
    expect((await read())?.defaultTermsId).toBeNull();

    const audit = (await rig.auditLog(tenant)).filter(
      (entry) => entry.action === 'QUICKBOOKS_SETTINGS_CHANGED',
    );
    expect(audit.map((entry) => entry.reason)).toEqual([
      'defaultTermsId: 4 → (none)',
      'autoSync: true → false; existingInvoiceNumber: STOP → LINK; defaultTermsId: (none) → 4 (Net 30)',
    ]);
  });

  it('settings survive a disconnect, and default terms need a connected company', async () => {
    const rig = rigOf();
    const { tenant } = await connectedTenant(rig, { country: 'US' });
    const admin = adminOf(tenant);
    await rig.graphql(admin, UPDATE_SETTINGS, { customerId: tenant, input: { pullPayments: false } });
    await rig.graphql(
      admin,
      `mutation D($customerId: ID!) { disconnectQuickBooks(customerId: $customerId) { revokedAtQuickBooks } }`,
      {
        customerId: tenant,
      },
    );
    const read = await rig.graphql<{
      quickbooksConnection: { status: string; settings: { pullPayments: boolean } };
    }>(memberOf(tenant), READ_SETTINGS, { customerId: tenant });
    expect(read.data?.quickbooksConnection).toMatchObject({
      status: 'DISCONNECTED',
      settings: { pullPayments: false },
    });

    const terms = await rig.graphql(admin, UPDATE_SETTINGS, {
      customerId: tenant,
      input: { defaultTermsId: '3' },
    });
    expect(codesOf(terms)).toEqual(['QUICKBOOKS_NOT_CONNECTED']);
  });
});
