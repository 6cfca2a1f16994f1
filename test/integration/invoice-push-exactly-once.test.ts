/**
 * Exactly one QuickBooks invoice per platform invoice, whatever happens between QuickBooks committing and
 * us recording: with the emulator's duplicate-DocNumber check (6140) off and its requestid replay off
 * too, so the look-up before a resend is the only guard being tested. Also DocNumber collisions under
 * each existing-number setting, a 401 mid-push, and tenant isolation.
 */
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { models } from '../../src/models/index.js';
import { createRequestId } from '../../src/services/invoice-push/index.js';
import { PENDING_CREATE_LEASE_MS } from '../../src/services/sync-status.js';
import { usePushRig, type PushCompany, type PushRig } from '../support/push-rig.js';

const push = usePushRig();

beforeAll(() => {
  push().rig.sandbox.control.updateSettings({ idempotency: { enabled: false } });
});
afterEach(() => {
  push().rig.sandbox.control.clearFaults();
});

const invoiceCreate = (company: PushCompany) => ({
  entity: 'invoice',
  operation: 'write',
  realmId: company.realmId,
});

async function setExistingNumber(company: PushCompany, policy: 'LINK' | 'SUFFIX' | 'STOP') {
  await models.customers.updateOne(
    { _id: company.tenant },
    { $set: { 'integrations.quickbooks.settings.existingInvoiceNumber': policy } },
  );
}

/** An invoice someone else created in QuickBooks with the number our invoice has. */
async function foreignInvoice(rig: PushRig, company: PushCompany, docNumber: string): Promise<string> {
  const customers = rig.rig.sandbox.control.listEntities(company.realmId, 'Customer') as { Id: string }[];
  const items = rig.rig.sandbox.control.listEntities(company.realmId, 'Item') as {
    Id: string;
    Name: string;
  }[];
  const { entity } = await company.client.create(
    'Invoice',
    {
      CustomerRef: { value: customers[0]!.Id },
      DocNumber: docNumber,
      TxnDate: '2026-10-01',
      Line: [
        {
          DetailType: 'SalesItemLineDetail',
          Amount: 10,
          SalesItemLineDetail: {
            ItemRef: { value: items.find((i) => i.Name === 'Hours')!.Id },
            Qty: 1,
            UnitPrice: 10,
          },
        },
      ],
    },
    { requestId: `foreign-${docNumber}` },
  );
  return entity.Id;
}

describe('exactly once', () => {
  it.each([
    ['QuickBooks numbers invoices itself (no DocNumber sent)', false],
    ['the company takes custom numbers (DocNumber sent)', true],
  ])(
    'commit-then-drop on the create gives exactly one QuickBooks invoice: %s',
    async (_label, customNumbers) => {
      const rig = push();
      const company = await rig.company({ customNumbers });
      const invoice = rig.hostInvoice(company);
      rig.rig.sandbox.control.injectFault({
        match: invoiceCreate(company),
        action: { type: 'commit-then-drop' },
      });

      const result = await rig.push(company, invoice.id);
      expect(result).toMatchObject({ outcome: 'SYNCED', operation: 'ADOPTED' });
      const copies = rig.copiesOf(company, invoice.id);
      expect(copies).toHaveLength(1);
      expect(await rig.status(company, invoice.id)).toMatchObject({
        state: 'SYNCED',
        quickbooksInvoiceId: copies[0]!.Id,
      });
      if (customNumbers) expect(copies[0]!.DocNumber).toBe(invoice.number);
      // A second push of the same version finds the id and updates; still one invoice.
      await rig.push(company, invoice.id);
      expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
    },
  );

  it('a create that committed but whose attempt died (pending create stored) is found by the next attempt', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);

    // What a worker killed right after QuickBooks committed leaves behind: SYNCING, the pending create
    // stored, the invoice in QuickBooks, and no record of its id. The create is the product's own; the
    // record is then rolled back to what it was between the send and the answer.
    const first = await rig.push(company, invoice.id);
    expect(first).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
    const [created] = rig.copiesOf(company, invoice.id);
    const record = await rig.pushRecord(company, invoice.id);
    await models.invoiceSyncStates.updateOne(
      { tenantId: company.tenant, invoiceId: invoice.id },
      {
        $set: {
          state: 'SYNCING',
          pendingCreate: {
            requestId: createRequestId(company.tenant, company.realmId, invoice.id, 0),
            generation: 0,
            quickbooksCustomerId: created!.CustomerRef!.value,
            txnDate: invoice.issueDate,
            hostVersion: invoice.version,
            startedAt: new Date(),
          },
        },
        $unset: { quickbooksInvoiceId: '', quickbooksSyncToken: '', quickbooksDocNumber: '' },
      },
    );
    expect(record.quickbooksInvoiceId).toBe(created!.Id);

    // BullMQ hands the stalled job to another worker: STARTED from SYNCING, then the look-up.
    const mark = rig.rig.mark();
    const rerun = await rig.push(company, invoice.id, { enqueue: false });
    expect(rerun).toMatchObject({
      outcome: 'SYNCED',
      operation: 'ADOPTED',
      quickbooksInvoiceId: created!.Id,
    });
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
    const requests = rig.requestsSince(mark, company.realmId);
    expect(requests.some((r) => r.operation === 'query' && r.query.includes('Invoice'))).toBe(true);
    expect(requests.filter((r) => r.method === 'POST' && r.entity === 'invoice')).toEqual([]);
    expect((await rig.pushRecord(company, invoice.id)).pendingCreate).toBeUndefined();
  });

  it('a pending create that never reached QuickBooks is sent on the next attempt, with the stored requestid', async () => {
    const rig = push();
    const company = await rig.company();
    // The bill-to is linked by an earlier push, so the customer step reads rather than queries.
    const earlier = rig.hostInvoice(company);
    await rig.push(company, earlier.id);
    const invoice = rig.hostInvoice(company, { billTo: earlier.billTo });
    // The create is dropped before processing, and the look-up after it fails too: attempt 1 ends
    // retryable with the pending create stored.
    rig.rig.sandbox.control.injectFault({ match: invoiceCreate(company), action: { type: 'drop' } });
    rig.rig.sandbox.control.injectFault({
      match: { operation: 'query', realmId: company.realmId },
      times: 3,
      action: { type: 'status', status: 503 },
    });
    const first = await rig.push(company, invoice.id);
    expect(first).toMatchObject({ outcome: 'FAILED', exhausted: false });
    const pending = (await rig.pushRecord(company, invoice.id)).pendingCreate;
    expect(pending?.requestId).toMatch(/^inv-/);
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(0);

    const mark = rig.rig.mark();
    const second = await rig.push(company, invoice.id, { attempt: 2, enqueue: false });
    expect(second).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
    const creates = rig
      .requestsSince(mark, company.realmId)
      .filter((r) => r.method === 'POST' && r.entity === 'invoice');
    expect(creates.map((r) => r.requestid)).toEqual([pending!.requestId]);
  });
});

describe('a create another writer holds', () => {
  /** A backfill chunk's claim on the invoice's create, as backfill-runner stores it before its batch. */
  async function claimedByBackfill(rig: PushRig, company: PushCompany, invoiceId: string, startedAt: Date) {
    await rig.enqueued(company, invoiceId);
    await rig.syncStatus.transition({ tenantId: company.tenant, invoiceId }, 'STARTED', {});
    await models.invoiceSyncStates.updateOne(
      { tenantId: company.tenant, invoiceId },
      {
        $set: {
          pendingCreate: {
            requestId: 'bf-other-writer',
            generation: 0,
            quickbooksCustomerId: '424242',
            txnDate: '2026-11-20',
            hostVersion: 1,
            startedAt,
          },
        },
      },
    );
  }

  it('one that may be in flight is not sent a second time: the push fails retryably (CREATE_IN_FLIGHT)', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);
    await claimedByBackfill(rig, company, invoice.id, new Date());
    const mark = rig.rig.mark();

    const result = await rig.push(company, invoice.id, { enqueue: false });

    expect(result).toMatchObject({ outcome: 'FAILED', error: { code: 'CREATE_IN_FLIGHT', retryable: true } });
    const requests = rig.requestsSince(mark, company.realmId);
    expect(requests.filter((r) => r.method === 'POST' && r.entity === 'invoice')).toEqual([]);
    expect((await rig.pushRecord(company, invoice.id)).pendingCreate?.requestId).toBe('bf-other-writer');
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(0);
  });

  it('one older than the lease is taken over after the look-up found nothing: one invoice', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);
    await claimedByBackfill(
      rig,
      company,
      invoice.id,
      new Date(Date.now() - PENDING_CREATE_LEASE_MS - 60_000),
    );

    const result = await rig.push(company, invoice.id, { enqueue: false });

    expect(result).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
  });
});

describe('an invoice number QuickBooks already holds', () => {
  it('LINK adopts the existing invoice and updates it to ours', async () => {
    const rig = push();
    const company = await rig.company({ customNumbers: true });
    await setExistingNumber(company, 'LINK');
    const invoice = rig.hostInvoice(company);
    const foreignId = await foreignInvoice(rig, company, invoice.number);

    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({ outcome: 'SYNCED', operation: 'LINKED', quickbooksInvoiceId: foreignId });
    const all = rig.invoicesIn(company).filter((row) => row.DocNumber === invoice.number);
    expect(all).toHaveLength(1);
    expect(all[0]!.PrivateNote).toContain(`(${invoice.id})`);
  });

  it('SUFFIX creates ours as <number>-2', async () => {
    const rig = push();
    const company = await rig.company({ customNumbers: true });
    await setExistingNumber(company, 'SUFFIX');
    const invoice = rig.hostInvoice(company);
    const foreignId = await foreignInvoice(rig, company, invoice.number);

    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({
      outcome: 'SYNCED',
      operation: 'CREATED',
      docNumber: `${invoice.number}-2`,
    });
    const [ours] = rig.copiesOf(company, invoice.id);
    expect(ours!.Id).not.toBe(foreignId);
    expect((await rig.status(company, invoice.id)).quickbooksDocNumber).toBe(`${invoice.number}-2`);
  });

  it('STOP gives ACTION_REQUIRED naming the number, and nothing is written', async () => {
    const rig = push();
    const company = await rig.company({ customNumbers: true });
    await setExistingNumber(company, 'STOP');
    const invoice = rig.hostInvoice(company);
    await foreignInvoice(rig, company, invoice.number);
    const mark = rig.rig.mark();

    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'DOC_NUMBER_EXISTS' } });
    const status = await rig.status(company, invoice.id);
    expect(status.lastError?.message).toContain(invoice.number);
    const writes = rig
      .requestsSince(mark, company.realmId)
      .filter((r) => r.method === 'POST' && r.entity === 'invoice');
    expect(writes).toEqual([]);
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(0);
  });
});

describe('failures on the way', () => {
  it('a 401 mid-push refreshes the token once and the push succeeds', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);
    const before = await rig.rig.stored(company.tenant);
    rig.rig.sandbox.control.injectFault({
      match: invoiceCreate(company),
      action: { type: 'status', status: 401, fault: { code: '3200', message: 'AuthenticationFailed' } },
    });
    const result = await rig.push(company, invoice.id);
    expect(result).toMatchObject({ outcome: 'SYNCED' });
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
    const after = await rig.rig.stored(company.tenant);
    expect(after.accessToken).not.toBe(before.accessToken);
  });

  it("tenant isolation: a job naming another tenant's invoice never reaches that tenant's company", async () => {
    const rig = push();
    const a = await rig.company();
    const b = await rig.company();
    const invoiceOfB = rig.hostInvoice(b);
    const markB = rig.rig.mark();

    // Tenant A's job with B's invoice id: A's service token cannot read it, and A's realm is the only one used.
    const result = await rig.push(a, invoiceOfB.id);
    expect(result).toMatchObject({ outcome: 'ACTION_REQUIRED', error: { code: 'INVOICE_NOT_FOUND' } });
    expect(rig.requestsSince(markB, b.realmId)).toEqual([]);
    expect(rig.invoicesIn(a)).toHaveLength(0);
    expect(rig.invoicesIn(b)).toHaveLength(0);
    expect((await rig.status(b, invoiceOfB.id)).state).toBe('NOT_SYNCED');
  });
});
