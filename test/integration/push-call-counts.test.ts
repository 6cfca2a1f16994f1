/**
 * QuickBooks calls per pushed invoice, counted in the emulator's request log (a count, not a timing): one
 * in steady state, three for a lone first push and at most 2.1 an invoice for a burst of first pushes; and
 * what the push does when a trusted customer link turns out to be unusable. Also the status field that
 * links to the invoice in QuickBooks, read through GraphQL, and the emulator page it opens.
 */
import { describe, expect, it } from '@jest/globals';
import { createGraphQLHostInvoiceSource } from '../../src/host/graphql-host-invoices.js';
import { models } from '../../src/models/index.js';
import { composeInvoicePush } from '../../src/services/invoice-push/index.js';
import { memberOf } from '../support/connect-rig.js';
import { silentLogger } from '../support/harness.js';
import { usePushRig, type PushCompany, type PushRig } from '../support/push-rig.js';

const rigOf = usePushRig();

/** The realm's requests since a mark, as "METHOD what": query text or entity. */
function callsSince(rig: PushRig, mark: number, target: PushCompany): string[] {
  return rig.requestsSince(mark, target.realmId).map((entry) => {
    if (entry.path.endsWith('/cdc')) return 'CDC';
    if (entry.path.endsWith('/query')) {
      const sql = new URLSearchParams(entry.query).get('query') ?? '';
      return `QUERY ${/FROM (\w+)/u.exec(sql)?.[1]?.toUpperCase() ?? '?'}`;
    }
    return `${entry.method} ${entry.entity ?? entry.path}`.toUpperCase();
  });
}

/** A company with one pushed invoice: reference data cached, the bill-to's customer linked. */
async function warmCompany(rig: PushRig, options: { customNumbers?: boolean } = {}) {
  const target = await rig.company(options);
  const first = rig.hostInvoice(target);
  expect(await rig.push(target, first.id)).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
  return { target, billTo: first.billTo };
}

describe('QuickBooks calls per invoice', () => {
  it('steady state: a linked customer costs one call for a new invoice and one for an update', async () => {
    const rig = rigOf();
    const { target, billTo } = await warmCompany(rig);
    const invoice = rig.hostInvoice(target, { billTo });

    const createMark = rig.rig.mark();
    expect(await rig.push(target, invoice.id)).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
    expect(callsSince(rig, createMark, target)).toEqual(['POST INVOICE']);

    rig.changeInvoice(invoice, { memo: 'Edited after finalizing' });
    const updateMark = rig.rig.mark();
    expect(await rig.push(target, invoice.id)).toMatchObject({ outcome: 'SYNCED', operation: 'UPDATED' });
    expect(callsSince(rig, updateMark, target)).toEqual(['POST INVOICE']);
    expect(rig.copiesOf(target, invoice.id)).toHaveLength(1);
  });

  it('custom numbers: the DocNumber check stays before a create (6140 may be off), updates stay at one', async () => {
    const rig = rigOf();
    const { target, billTo } = await warmCompany(rig, { customNumbers: true });
    const invoice = rig.hostInvoice(target, { billTo });

    const createMark = rig.rig.mark();
    expect(await rig.push(target, invoice.id)).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
    expect(callsSince(rig, createMark, target)).toEqual(['QUERY INVOICE', 'POST INVOICE']);

    rig.changeInvoice(invoice, { memo: 'Edited after finalizing' });
    const updateMark = rig.rig.mark();
    expect(await rig.push(target, invoice.id)).toMatchObject({ outcome: 'SYNCED', operation: 'UPDATED' });
    expect(callsSince(rig, updateMark, target)).toEqual(['POST INVOICE']);
  });
});

/**
 * First pushes of new bill-tos, through a push service composed like the rig's but whose customer directory
 * reads a clock the test moves: "the directory is older than its window" is then a fact, not a race.
 */
describe('QuickBooks calls per invoice on a first push (customer directory)', () => {
  const FRESH_FOR_MS = 5_000;

  function clockedService(rig: PushRig) {
    let at = Date.now();
    const service = composeInvoicePush({
      models,
      quickbooks: rig.side,
      host: createGraphQLHostInvoiceSource({
        url: rig.host.url,
        credentials: rig.rig.config.host.credentials,
      }),
      syncStatus: rig.syncStatus,
      logger: silentLogger(),
      customerDirectory: { freshForMs: FRESH_FOR_MS, now: () => new Date(at) },
    });
    return {
      /** Moves the directory's clock past its window: the next decision needs a refresh. */
      outliveWindow() {
        at += FRESH_FOR_MS + 1;
      },
      async push(target: PushCompany, invoiceId: string) {
        await rig.enqueued(target, invoiceId);
        return service.push({ job: rig.jobData(target.tenant, invoiceId), attempt: 1, lastAttempt: false });
      },
    };
  }

  /** A company with one pushed invoice through `pushes`: reference data cached, the directory loaded. */
  async function warm(rig: PushRig, pushes: ReturnType<typeof clockedService>) {
    const target = await rig.company();
    const mark = rig.rig.mark();
    const first = rig.hostInvoice(target);
    expect(await pushes.push(target, first.id)).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
    // The directory's load is one page of customers; the reference data and the first customer come with it.
    expect(callsSince(rig, mark, target).filter((call) => call === 'CDC')).toEqual([]);
    return target;
  }

  it('a lone first push: one CDC call, the customer create, the invoice create (with or without e-mail)', async () => {
    const rig = rigOf();
    const pushes = clockedService(rig);
    const target = await warm(rig, pushes);
    const withEmail = rig.hostInvoice(target);
    const withoutEmail = rig.hostInvoice(target, {
      billTo: { name: `No Mail ${withEmail.id.slice(-5)}`, email: null, phone: null, address: null },
    });

    pushes.outliveWindow();
    const emailMark = rig.rig.mark();
    expect(await pushes.push(target, withEmail.id)).toMatchObject({ outcome: 'SYNCED' });
    expect(callsSince(rig, emailMark, target)).toEqual(['CDC', 'POST CUSTOMER', 'POST INVOICE']);

    pushes.outliveWindow();
    const nameMark = rig.rig.mark();
    expect(await pushes.push(target, withoutEmail.id)).toMatchObject({ outcome: 'SYNCED' });
    expect(callsSince(rig, nameMark, target)).toEqual(['CDC', 'POST CUSTOMER', 'POST INVOICE']);
  });

  it('a burst of 20 first pushes to one company shares one CDC call: at most 2.1 calls an invoice', async () => {
    const rig = rigOf();
    const pushes = clockedService(rig);
    const target = await warm(rig, pushes);
    const burst = target.realmId;
    // Distinct names and e-mails: twenty new parties, none of whose names QuickBooks would refuse (6240).
    const invoices = Array.from({ length: 20 }, (_, n) =>
      rig.hostInvoice(target, {
        billTo: {
          name: `Burst ${burst} ${n}`,
          email: `burst-${n}-${burst}@example.com`,
          phone: null,
          address: null,
        },
      }),
    );

    pushes.outliveWindow();
    const mark = rig.rig.mark();
    const results = await Promise.all(invoices.map((invoice) => pushes.push(target, invoice.id)));

    expect(results.map((result) => result.outcome)).toEqual(invoices.map(() => 'SYNCED'));
    const calls = callsSince(rig, mark, target);
    expect(calls.filter((call) => call === 'CDC')).toHaveLength(1);
    expect(calls.filter((call) => call === 'POST CUSTOMER')).toHaveLength(20);
    expect(calls.filter((call) => call === 'POST INVOICE')).toHaveLength(20);
    expect(calls.length / invoices.length).toBeLessThanOrEqual(2.1);
    for (const invoice of invoices) expect(rig.copiesOf(target, invoice.id)).toHaveLength(1);
    const links = await models.customerLinks
      .find({ tenantId: target.tenant, realmId: target.realmId })
      .lean();
    expect(new Set(links.map((link) => link.quickbooksCustomerId)).size).toBe(21);
  });
});

describe('a trusted customer link QuickBooks refuses', () => {
  it('a linked customer made inactive: the refused create is explained as CUSTOMER_LINK_INACTIVE', async () => {
    const rig = rigOf();
    const { target, billTo } = await warmCompany(rig);
    const link = await models.customerLinks
      .findOne({ tenantId: target.tenant, realmId: target.realmId })
      .lean();
    rig.rig.sandbox.control.editEntity(target.realmId, 'Customer', link!.quickbooksCustomerId, {
      Active: false,
    });
    const invoice = rig.hostInvoice(target, { billTo });

    const mark = rig.rig.mark();
    const result = await rig.push(target, invoice.id);

    expect(result).toMatchObject({
      outcome: 'ACTION_REQUIRED',
      error: { code: 'CUSTOMER_LINK_INACTIVE', retryable: false },
    });
    // The refused create (610), then the read that explains it; no customer is created in its place.
    expect(callsSince(rig, mark, target)).toEqual(['POST INVOICE', 'GET CUSTOMER']);
    expect(rig.copiesOf(target, invoice.id)).toHaveLength(0);
    expect(await rig.status(target, invoice.id)).toMatchObject({
      state: 'ACTION_REQUIRED',
      lastError: { code: 'CUSTOMER_LINK_INACTIVE' },
    });
    const customerEntries = await models.syncLogs
      .find({ tenantId: target.tenant, entityType: 'QUICKBOOKS_CUSTOMER', outcome: 'FAILED' })
      .lean();
    expect(customerEntries.map((entry) => entry.error?.code)).toEqual(['CUSTOMER_LINK_INACTIVE']);
  });

  it('a link to a customer QuickBooks no longer has: CUSTOMER_LINK_MISSING, nothing re-created', async () => {
    const rig = rigOf();
    const { target, billTo } = await warmCompany(rig);
    await models.customerLinks.updateOne(
      { tenantId: target.tenant, realmId: target.realmId },
      { $set: { quickbooksCustomerId: '987654' } },
    );
    const invoice = rig.hostInvoice(target, { billTo });

    const mark = rig.rig.mark();
    const result = await rig.push(target, invoice.id);

    expect(result).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'CUSTOMER_LINK_MISSING' } });
    expect(callsSince(rig, mark, target)).toEqual(['POST INVOICE', 'GET CUSTOMER']);
    expect(rig.copiesOf(target, invoice.id)).toHaveLength(0);
  });

  it('an update refused over the customer is explained the same way', async () => {
    const rig = rigOf();
    const { target, billTo } = await warmCompany(rig);
    const invoice = rig.hostInvoice(target, { billTo });
    expect(await rig.push(target, invoice.id)).toMatchObject({ outcome: 'SYNCED' });
    const link = await models.customerLinks
      .findOne({ tenantId: target.tenant, realmId: target.realmId })
      .lean();
    rig.rig.sandbox.control.editEntity(target.realmId, 'Customer', link!.quickbooksCustomerId, {
      Active: false,
    });
    rig.changeInvoice(invoice, { memo: 'Edited after the customer was retired' });

    const result = await rig.push(target, invoice.id);

    expect(result).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'CUSTOMER_LINK_INACTIVE' } });
  });

  it('a refused reference that is not the customer keeps QuickBooks error (the link checks out)', async () => {
    const rig = rigOf();
    const { target, billTo } = await warmCompany(rig);
    const items = rig.rig.sandbox.control.listEntities(target.realmId, 'Item') as {
      Id: string;
      Name: string;
    }[];
    const hours = items.find((item) => item.Name === 'Hours')!;
    rig.rig.sandbox.control.editEntity(target.realmId, 'Item', hours.Id, { Active: false });
    const invoice = rig.hostInvoice(target, { billTo });

    const mark = rig.rig.mark();
    const result = await rig.push(target, invoice.id);

    expect(result).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'QUICKBOOKS_BAD_REFERENCE' } });
    expect(callsSince(rig, mark, target)).toEqual(['POST INVOICE', 'GET CUSTOMER']);
  });
});

describe('business-validation faults (6000 range) about name references', () => {
  async function refusedWith(detail: string) {
    const rig = rigOf();
    const { target, billTo } = await warmCompany(rig);
    const invoice = rig.hostInvoice(target, { billTo });
    rig.rig.sandbox.control.injectFault({
      match: { realmId: target.realmId, entity: 'invoice', operation: 'write' },
      action: {
        type: 'status',
        status: 400,
        fault: {
          code: '6000',
          message: 'A business validation error has occurred',
          detail,
          type: 'ValidationFault',
        },
      },
    });
    const mark = rig.rig.mark();
    const result = await rig.push(target, invoice.id);
    return { result, calls: callsSince(rig, mark, target) };
  }

  it('one naming a deleted or inactive record checks the link; an active customer keeps the fault', async () => {
    const { result, calls } = await refusedWith('Business Validation Error: the customer has been deleted');

    expect(calls).toEqual(['POST INVOICE', 'GET CUSTOMER']);
    expect(result).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'QUICKBOOKS_VALIDATION' } });
  });

  it('any other business-validation fault costs no read', async () => {
    const { result, calls } = await refusedWith(
      'Business Validation Error: Make sure all your transactions have a VAT rate',
    );

    expect(calls).toEqual(['POST INVOICE']);
    expect(result).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'QUICKBOOKS_VALIDATION' } });
  });
});

describe('the link that opens an invoice in QuickBooks', () => {
  const STATUS = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Invoice { id quickbooksSyncStatus { state quickbooksInvoiceId quickbooksUrl } }
    }
  }`;

  it('is null until QuickBooks holds the invoice, then opens the emulator page that shows it', async () => {
    const rig = rigOf();
    const target = await rig.company();
    const invoice = rig.hostInvoice(target);
    const representations = [
      { __typename: 'Invoice', id: invoice.id, customer: { id: target.tenant } },
      { __typename: 'Invoice', id: 'never-pushed', customer: { id: target.tenant } },
    ];
    await rig.push(target, invoice.id);

    const response = await rig.rig.graphql<{
      _entities: {
        id: string;
        quickbooksSyncStatus: { quickbooksInvoiceId: string | null; quickbooksUrl: string | null };
      }[];
    }>(memberOf(target.tenant), STATUS, { representations });

    expect(response.errors).toBeUndefined();
    const [pushed, never] = response.data!._entities;
    const quickbooksId = pushed!.quickbooksSyncStatus.quickbooksInvoiceId!;
    expect(pushed!.quickbooksSyncStatus.quickbooksUrl).toBe(
      `${rig.rig.sandbox.url}/app/invoice?txnId=${quickbooksId}&realmId=${target.realmId}`,
    );
    expect(never!.quickbooksSyncStatus).toMatchObject({ quickbooksInvoiceId: null, quickbooksUrl: null });

    const page = await fetch(pushed!.quickbooksSyncStatus.quickbooksUrl!);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`(${invoice.id})`);
    expect(html).toContain(invoice.number);
  });
});
