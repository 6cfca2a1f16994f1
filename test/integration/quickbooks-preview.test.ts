/**
 * previewQuickBooksInvoice against a real demo host subgraph (in process, on its own port), the emulator and
 * the API's real composition root: the preview reads the invoice from the host with a service token scoped
 * to the caller's tenant, and the company's reference data and mappings from the emulator and the store.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startHostSubgraph, type HostSubgraph } from '../../examples/host-subgraph/src/index.js';
import { freePort } from '../../scripts/services/index.js';
import { pino } from 'pino';
import { models } from '../../src/models/index.js';
import { platformKeyOf } from '../../src/sync/customer-identity.js';
import { adminOf, memberOf, useConnectRig } from '../support/connect-rig.js';
import { eventually, TEST_JWT_SECRET, tokenFor } from '../support/harness.js';

const ACME = 'cust-acme-us';
const NORDLYS = 'cust-nordlys-no';

const hostPort = await freePort();
const hostUrl = `http://127.0.0.1:${hostPort}/graphql`;
const rigOf = useConnectRig({ env: { HOST_GRAPHQL_URL: hostUrl } });

const startHost = () => startHostSubgraph({ port: hostPort, auth: { secret: TEST_JWT_SECRET } });

const PREVIEW = `query Preview($customerId: ID!, $invoiceId: ID!) {
  previewQuickBooksInvoice(customerId: $customerId, invoiceId: $invoiceId) {
    invoiceId invoiceNumber invoiceVersion ready payload
    customer { resolution platformKey quickbooksCustomerId displayName }
    decisions { field reason sourceKey }
    problems { code message sourceKey mappingKind lineId }
  }
}`;

const SET_MANY = `mutation SetMany($customerId: ID!, $entries: [QuickBooksMappingInput!]!) {
  setQuickBooksMappings(customerId: $customerId, entries: $entries) { sourceKey status }
}`;

interface Preview {
  invoiceId: string;
  invoiceNumber: string;
  invoiceVersion: number;
  ready: boolean;
  payload: {
    CustomerRef: { value: string; name?: string };
    DocNumber?: string;
    Line: {
      Amount: number;
      SalesItemLineDetail: { ItemRef?: { value: string }; Qty: number; TaxCodeRef?: { value: string } };
    }[];
  };
  customer: {
    resolution: string;
    platformKey: string | null;
    quickbooksCustomerId: string | null;
    displayName: string | null;
  };
  decisions: { field: string; reason: string; sourceKey: string | null }[];
  problems: {
    code: string;
    message: string;
    sourceKey: string | null;
    mappingKind: string | null;
    lineId: string | null;
  }[];
}

let host: HostSubgraph;
let realmId: string;

/** A finalized invoice in the host, made by a person of the tenant. */
async function finalizedInvoice(
  lines: { description: string; itemKind: string; quantity: string; unitPrice: string; taxRate?: string }[],
  billTo: { name: string; email?: string } = {
    name: 'Preview Plumbing Customer',
    email: 'ap@preview.example',
  },
): Promise<string> {
  const bearer = await tokenFor(memberOf(ACME));
  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(host.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, { id: string }>; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  };
  const created = await post(
    `mutation ($input: CreateInvoiceInput!) { createInvoice(input: $input) { id } }`,
    { input: { customerId: ACME, issueDate: '2026-11-20', billTo, lines } },
  );
  const id = created.createInvoice!.id;
  await post(`mutation ($id: ID!) { finalizeInvoice(id: $id) { id } }`, { id });
  return id;
}

async function preview(invoiceId: string, claims = memberOf(ACME), customerId = ACME) {
  return rigOf().graphql<{ previewQuickBooksInvoice: Preview | null }>(claims, PREVIEW, {
    customerId,
    invoiceId,
  });
}

beforeAll(async () => {
  host = await startHost();
  const rig = rigOf();
  realmId = `93417${randomBytes(5).readUIntBE(0, 5).toString().padStart(13, '0')}`.slice(0, 18);
  rig.sandbox.control.createRealm({ realmId, companyName: 'Preview Plumbing', country: 'US' });
  await rig.connected(ACME, realmId);
  const mapped = await rig.graphql<{ setQuickBooksMappings: unknown[] }>(adminOf(ACME), SET_MANY, {
    customerId: ACME,
    entries: [{ kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: '2' }],
  });
  if (!mapped.data?.setQuickBooksMappings) throw new Error(`mapping failed: ${mapped.text}`);
});

afterAll(async () => {
  await host.close();
});

describe('previewQuickBooksInvoice', () => {
  it('shows the exact payload of a ready invoice with a decision and reason for every choice', async () => {
    const invoiceId = await finalizedInvoice([
      {
        description: 'Drain cleaning',
        itemKind: 'LABOR',
        quantity: '1.5',
        unitPrice: '129.99',
        taxRate: '0',
      },
    ]);
    const customersBefore = rigOf().sandbox.control.listEntities(realmId, 'Customer').length;
    const response = await preview(invoiceId);
    expect(response.errors).toBeUndefined();
    const result = response.data!.previewQuickBooksInvoice!;

    expect(result).toMatchObject({ invoiceId, ready: true, problems: [], invoiceVersion: 2 });
    expect(result.payload.Line).toEqual([
      {
        DetailType: 'SalesItemLineDetail',
        Description: 'Drain cleaning',
        Amount: 194.99,
        SalesItemLineDetail: {
          ItemRef: { value: '2', name: 'Hours' },
          Qty: 1.5,
          UnitPrice: 129.99,
          TaxCodeRef: { value: 'NON' },
        },
      },
    ]);
    expect(result.payload).toMatchObject({
      TxnDate: '2026-11-20',
      BillEmail: { Address: 'ap@preview.example' },
      PrivateNote: `Platform invoice ${result.invoiceNumber} (${invoiceId})`,
      // Not linked yet: the push matches or creates the customer.
      CustomerRef: { value: 'chosen-at-push', name: 'Preview Plumbing Customer' },
    });
    expect(result.customer).toEqual({
      resolution: 'UNLINKED',
      platformKey: 'email:ap@preview.example',
      quickbooksCustomerId: null,
      displayName: 'Preview Plumbing Customer',
    });
    const byField = new Map(result.decisions.map((d) => [d.field, d]));
    expect(byField.get('Line[0].SalesItemLineDetail.ItemRef')).toMatchObject({
      sourceKey: 'ITEM_KIND:LABOR',
      reason: expect.stringContaining("item 'Hours' from ITEM_KIND:LABOR"),
    });
    expect(byField.get('CustomerRef')?.reason).toContain('chosen at push time');
    expect(byField.get('TxnTaxDetail')?.reason).toBe('no line is taxed: every line is NON');
    // The preview wrote nothing to QuickBooks.
    expect(rigOf().sandbox.control.listEntities(realmId, 'Customer')).toHaveLength(customersBefore);
    expect(rigOf().sandbox.control.listEntities(realmId, 'Invoice')).toEqual([]);
  });

  it('bills the linked QuickBooks customer when the bill-to party has a link', async () => {
    const billTo = { name: 'Linked Landlord LLC', email: 'Owner@Linked.example' };
    const invoiceId = await finalizedInvoice(
      [{ description: 'Call-out', itemKind: 'LABOR', quantity: '1', unitPrice: '80', taxRate: '0' }],
      billTo,
    );
    await models.customerLinks.create({
      tenantId: ACME,
      realmId,
      platformKey: platformKeyOf(billTo),
      state: 'LINKED',
      quickbooksCustomerId: '58',
      displayName: 'Linked Landlord LLC',
      linkedAt: new Date(),
    });
    const result = (await preview(invoiceId)).data!.previewQuickBooksInvoice!;
    expect(result.ready).toBe(true);
    expect(result.payload.CustomerRef).toEqual({ value: '58' });
    expect(result.customer).toMatchObject({ resolution: 'LINKED', quickbooksCustomerId: '58' });
    expect(result.decisions.find((d) => d.field === 'CustomerRef')?.reason).toContain('QuickBooks Id 58');
  });

  it('names a missing mapping as a blocking problem', async () => {
    const invoiceId = await finalizedInvoice([
      { description: 'Labour', itemKind: 'LABOR', quantity: '1', unitPrice: '100', taxRate: '0' },
      { description: 'Copper pipe', itemKind: 'MATERIAL', quantity: '2', unitPrice: '12.50', taxRate: '0' },
    ]);
    const result = (await preview(invoiceId)).data!.previewQuickBooksInvoice!;
    expect(result.ready).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'MAPPING_MISSING',
        sourceKey: 'ITEM_KIND:MATERIAL',
        mappingKind: 'ITEM',
        lineId: `${invoiceId}-L2`,
        message: expect.stringContaining('Copper pipe'),
      }),
    ]);
  });

  it("answers NOT_FOUND for another tenant's invoice id, as for an id that exists nowhere", async () => {
    const foreign = await preview('inv-nordlys-2001');
    const missing = await preview('inv-does-not-exist');
    for (const response of [foreign, missing]) {
      expect(response.data?.previewQuickBooksInvoice).toBeNull();
      expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    }
    expect(foreign.text).not.toContain('NE-2001');
    expect(foreign.errors?.[0]?.message.replace('inv-nordlys-2001', 'ID')).toBe(
      missing.errors?.[0]?.message.replace('inv-does-not-exist', 'ID'),
    );
  });

  it('lets any member read, and refuses a caller who is not a member', async () => {
    const invoiceId = await finalizedInvoice([
      { description: 'Labour', itemKind: 'LABOR', quantity: '1', unitPrice: '10', taxRate: '0' },
    ]);
    expect((await preview(invoiceId, memberOf(ACME))).data?.previewQuickBooksInvoice?.ready).toBe(true);
    const outsider = await preview(invoiceId, memberOf(NORDLYS));
    expect(outsider.data?.previewQuickBooksInvoice).toBeNull();
    expect(outsider.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const anonymous = await rigOf().graphql<{ previewQuickBooksInvoice: Preview | null }>(
      undefined,
      PREVIEW,
      {
        customerId: ACME,
        invoiceId,
      },
    );
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('answers QUICKBOOKS_NOT_CONNECTED for a customer without a connected company', async () => {
    const response = await preview('inv-nordlys-2001', memberOf(NORDLYS), NORDLYS);
    expect(response.data?.previewQuickBooksInvoice).toBeNull();
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'QUICKBOOKS_NOT_CONNECTED',
      retryable: false,
    });
  });

  it('answers QUICKBOOKS_REAUTH_REQUIRED while the connection needs reauth', async () => {
    const at = { _id: ACME };
    await models.customers.updateOne(at, { $set: { 'integrations.quickbooks.state': 'NEEDS_REAUTH' } });
    try {
      const response = await preview('inv-acme-1001');
      expect(response.data?.previewQuickBooksInvoice).toBeNull();
      expect(response.errors?.[0]?.extensions).toMatchObject({
        code: 'QUICKBOOKS_REAUTH_REQUIRED',
        retryable: false,
      });
    } finally {
      await models.customers.updateOne(at, { $set: { 'integrations.quickbooks.state': 'CONNECTED' } });
    }
  });

  it('answers HOST_UNAVAILABLE, retryable, while the platform is down', async () => {
    await host.close();
    try {
      const response = await preview('inv-acme-1001');
      expect(response.data?.previewQuickBooksInvoice).toBeNull();
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'HOST_UNAVAILABLE', retryable: true });
    } finally {
      host = await startHost();
    }
    // Back up: the seeded finalized invoice previews again.
    expect((await preview('inv-acme-1001')).data?.previewQuickBooksInvoice?.invoiceNumber).toBe('INV-1001');
  });
});

describe('previewQuickBooksInvoice: tax parity', () => {
  const PARITY = `query Parity($customerId: ID!, $invoiceId: ID!) {
    previewQuickBooksInvoice(customerId: $customerId, invoiceId: $invoiceId) {
      taxParity { risk policy platformTax expectedQuickBooksTax reasons }
    }
  }`;
  const FACTS = `query Facts($customerId: ID!) {
    quickbooksCompanyFacts(customerId: $customerId) {
      automatedSalesTax automatedSalesTaxState usingSalesTax taxSetupChange { from to seenAt }
    }
  }`;
  const REFRESH = `mutation Refresh($customerId: ID!) {
    refreshQuickBooksReferenceData(customerId: $customerId) { asOf }
  }`;
  type Parity = {
    risk: string;
    policy: string;
    platformTax: string;
    expectedQuickBooksTax: string | null;
    reasons: string[];
  };
  type Facts = {
    automatedSalesTax: boolean;
    automatedSalesTaxState: string;
    usingSalesTax: boolean;
    taxSetupChange: { from: string; to: string; seenAt: string } | null;
  };

  const refresh = async () => {
    const refreshed = await rigOf().graphql(adminOf(ACME), REFRESH, { customerId: ACME });
    expect(refreshed.errors).toBeUndefined();
  };
  const parity = async (invoiceId: string) => {
    const response = await rigOf().graphql<{ previewQuickBooksInvoice: { taxParity: Parity } | null }>(
      memberOf(ACME),
      PARITY,
      { customerId: ACME, invoiceId },
    );
    expect(response.errors).toBeUndefined();
    return response.data!.previewQuickBooksInvoice!.taxParity;
  };
  const facts = async () =>
    (await rigOf().graphql<{ quickbooksCompanyFacts: Facts }>(memberOf(ACME), FACTS, { customerId: ACME }))
      .data!.quickbooksCompanyFacts;

  afterAll(async () => {
    rigOf().sandbox.control.setCompanyPreferences(realmId, { usingSalesTax: true, automatedSalesTax: false });
    await refresh();
  });

  it("predicts whether QuickBooks keeps the platform's tax, and warns when the company's sales tax changed", async () => {
    const invoiceId = await finalizedInvoice([
      { description: 'Drain cleaning', itemKind: 'LABOR', quantity: '2', unitPrice: '100', taxRate: '8.25' },
    ]);
    // Manual sales tax, the default OVERRIDE setting: TotalTax is sent and kept.
    expect(await parity(invoiceId)).toMatchObject({
      risk: 'NONE',
      policy: 'OVERRIDE',
      platformTax: '16.50',
      expectedQuickBooksTax: '16.50',
    });

    // Sales tax turned off in QuickBooks: it would drop the tax.
    rigOf().sandbox.control.setCompanyPreferences(realmId, { usingSalesTax: false });
    await refresh();
    const off = await parity(invoiceId);
    expect(off).toMatchObject({ risk: 'HIGH', expectedQuickBooksTax: '0.00' });
    expect(off.reasons[0]).toContain('sales tax is turned off');
    expect((await facts()).usingSalesTax).toBe(false);

    // Automated sales tax turned on: the admins are told it changed, and the risk is re-predicted.
    rigOf().sandbox.control.setCompanyPreferences(realmId, { usingSalesTax: true, automatedSalesTax: true });
    await refresh();
    const after = await facts();
    expect(after).toMatchObject({
      automatedSalesTax: true,
      automatedSalesTaxState: 'ON',
      taxSetupChange: { from: 'OFF', to: 'ON', seenAt: expect.any(String) },
    });
    // Labor maps to Hours, which QuickBooks does not tax: AST would charge nothing and keep nothing we send.
    const ast = await parity(invoiceId);
    expect(ast).toMatchObject({ risk: 'HIGH', expectedQuickBooksTax: '0.00' });
    expect(ast.reasons[0]).toContain('taxable');
  });
});

describe("the demo host's QuickBooks hook", () => {
  it('announces a finalize to the real product subgraph, which queues the invoice', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (chunk: string) => void lines.push(JSON.parse(chunk)) });
    const notifying = await startHostSubgraph({
      port: 0,
      auth: { secret: TEST_JWT_SECRET },
      logger,
      quickbooksNotify: { url: rigOf().api.url, retryDelaysMs: [50] },
    });
    try {
      const bearer = await tokenFor(memberOf(ACME));
      const finalized = await fetch(notifying.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: JSON.stringify({ query: 'mutation { finalizeInvoice(id: "inv-acme-1004") { status } }' }),
      });
      expect(((await finalized.json()) as { data: unknown }).data).toEqual({
        finalizeInvoice: { status: 'FINALIZED' },
      });
      const stored = await eventually(async () => {
        const state = await models.invoiceSyncStates
          .findOne({ tenantId: ACME, invoiceId: 'inv-acme-1004' })
          .lean();
        return state ?? undefined;
      });
      expect(stored.state).toBe('QUEUED');
      await eventually(async () =>
        lines.some((line) => line.msg === 'QuickBooks notified of invoice change') ? true : undefined,
      );
      expect(lines.find((line) => line.msg === 'QuickBooks notified of invoice change')).toMatchObject({
        change: 'FINALIZED',
        state: 'QUEUED',
        attempt: 1,
      });
    } finally {
      await notifying.close();
    }
  });
});
