/**
 * An invoice deleted in QuickBooks after we created it, and a create QuickBooks refused: what the admin is
 * told, and that a retry creates a new copy under a requestid QuickBooks never answered (issue 11).
 */
import { describe, expect, it } from '@jest/globals';
import { usePushRig, type PushCompany, type PushRig } from '../support/push-rig.js';

const rigOf = usePushRig();

async function deleteInQuickBooks(target: PushCompany, id: string, syncToken: string) {
  const { items } = await target.client.batch(
    [{ bId: 'd1', operation: 'delete', entity: 'Invoice', body: { Id: id, SyncToken: syncToken } }],
    { requestId: `delete-${id}-${Date.now()}` },
  );
  expect(items[0]).toMatchObject({ ok: true });
}

async function retry(rig: PushRig, target: PushCompany, invoiceId: string) {
  const requested = await rig.syncStatus.transition(
    { tenantId: target.tenant, invoiceId },
    'RETRY_REQUESTED',
    {},
  );
  expect(requested).toMatchObject({ applied: true });
  return rig.push(target, invoiceId, { enqueue: false });
}

describe('an invoice deleted in QuickBooks', () => {
  it('an update says so (Retry creates it again); the retry creates a new copy with a new requestid', async () => {
    const rig = rigOf();
    const target = await rig.company();
    const invoice = rig.hostInvoice(target);
    const created = await rig.push(target, invoice.id);
    expect(created).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
    if (created.outcome !== 'SYNCED') throw new Error('not synced');
    const before = await rig.pushRecord(target, invoice.id);
    await deleteInQuickBooks(target, created.quickbooksInvoiceId, created.syncToken);
    expect(rig.copiesOf(target, invoice.id)).toHaveLength(0);

    rig.changeInvoice(invoice, { memo: 'Edited after it was deleted in QuickBooks' });
    const refused = await rig.push(target, invoice.id);

    expect(refused).toMatchObject({
      outcome: 'ACTION_REQUIRED',
      error: { code: 'QUICKBOOKS_INVOICE_DELETED', retryable: false },
    });
    if (refused.outcome !== 'ACTION_REQUIRED') throw new Error('not refused');
    expect(refused.error.message).toContain('Retry');
    expect(await rig.status(target, invoice.id)).toMatchObject({
      state: 'ACTION_REQUIRED',
      lastError: { code: 'QUICKBOOKS_INVOICE_DELETED' },
    });

    const mark = rig.rig.mark();
    const again = await retry(rig, target, invoice.id);

    expect(again).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
    if (again.outcome !== 'SYNCED') throw new Error('not synced');
    expect(again.quickbooksInvoiceId).not.toBe(created.quickbooksInvoiceId);
    expect(rig.copiesOf(target, invoice.id)).toHaveLength(1);
    const after = await rig.pushRecord(target, invoice.id);
    expect(after.createGeneration).toBe(before.createGeneration + 1);
    expect(after.quickbooksInvoiceId).toBe(again.quickbooksInvoiceId);
    const creates = rig
      .requestsSince(mark, target.realmId)
      .filter((entry) => entry.method === 'POST' && (entry.entity ?? '').toLowerCase() === 'invoice');
    expect(creates).toHaveLength(1);
  });

  it('a read of a deleted invoice (a void to propagate is not this case) answers 610 as the notes say', async () => {
    const rig = rigOf();
    const target = await rig.company();
    const invoice = rig.hostInvoice(target);
    const created = await rig.push(target, invoice.id);
    if (created.outcome !== 'SYNCED') throw new Error('not synced');
    await deleteInQuickBooks(target, created.quickbooksInvoiceId, created.syncToken);

    await expect(target.client.read('Invoice', created.quickbooksInvoiceId)).rejects.toMatchObject({
      kind: 'not_found',
      code: '610',
    });
    await expect(
      target.client.sparseUpdate(
        'Invoice',
        { Id: created.quickbooksInvoiceId, SyncToken: created.syncToken, PrivateNote: 'x' },
        { requestId: `upd-${created.quickbooksInvoiceId}` },
      ),
    ).rejects.toMatchObject({ kind: 'bad_reference', code: '610' });
  });

  it('an update refused for an inactive customer is not mistaken for a deleted invoice', async () => {
    const rig = rigOf();
    const target = await rig.company();
    const invoice = rig.hostInvoice(target);
    expect(await rig.push(target, invoice.id)).toMatchObject({ outcome: 'SYNCED' });
    const customers = rig.rig.sandbox.control.listEntities(target.realmId, 'Customer') as {
      Id: string;
      DisplayName: string;
    }[];
    const customer = customers.find((row) => row.DisplayName === invoice.billTo!.name)!;
    rig.rig.sandbox.control.editEntity(target.realmId, 'Customer', customer.Id, { Active: false });
    rig.changeInvoice(invoice, { memo: 'Edited after the customer was retired' });

    expect(await rig.push(target, invoice.id)).toMatchObject({
      outcome: 'ACTION_REQUIRED',
      error: { code: 'CUSTOMER_LINK_INACTIVE' },
    });
  });
});

describe('a create QuickBooks refused', () => {
  it('takes a new create generation, so the retry is not answered with the cached fault', async () => {
    const rig = rigOf();
    const target = await rig.company();
    const invoice = rig.hostInvoice(target);
    rig.rig.sandbox.control.injectFault({
      match: { realmId: target.realmId, entity: 'invoice', operation: 'write' },
      action: {
        type: 'status',
        status: 400,
        fault: { code: '6000', message: 'A business validation error has occurred', type: 'ValidationFault' },
      },
      times: 1,
    });

    expect(await rig.push(target, invoice.id)).toMatchObject({
      outcome: 'ACTION_REQUIRED',
      error: { code: 'QUICKBOOKS_VALIDATION' },
    });
    const refusedRecord = await rig.pushRecord(target, invoice.id);
    expect(refusedRecord.pendingCreate).toBeUndefined();
    expect(refusedRecord.createGeneration).toBe(1);

    expect(await retry(rig, target, invoice.id)).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
    expect(rig.copiesOf(target, invoice.id)).toHaveLength(1);
  });
});
