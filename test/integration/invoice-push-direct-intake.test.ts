/**
 * A host that writes push jobs to the queue directly (docs/architecture.md, "Invoice push intake") records
 * no QUEUED state. Its job still pushes when it announces a change newer than the state; a job older than
 * the state's last write (a dismissal, a success) stays a stale job and is skipped.
 */
import { describe, expect, it } from '@jest/globals';
import { usePushRig } from '../support/push-rig.js';

const push = usePushRig();

describe('jobs a host wrote to the queue directly', () => {
  it('an invoice with no state at all is pushed once and reads SYNCED', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);

    const result = await rig.push(company, invoice.id, { enqueue: false });

    expect(result).toMatchObject({ outcome: 'SYNCED', operation: 'CREATED' });
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
    expect(await rig.status(company, invoice.id)).toMatchObject({ state: 'SYNCED', attempts: 1 });
  });

  it('an edit of a synced invoice announced directly is pushed as an update', async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);
    await rig.push(company, invoice.id);
    rig.changeInvoice(invoice, { memo: 'Edited after finalizing' });
    // The notification is stamped after the success was written.
    await new Promise((resolve) => setTimeout(resolve, 5));

    const result = await rig.push(company, invoice.id, { enqueue: false });

    expect(result).toMatchObject({ outcome: 'SYNCED', operation: 'UPDATED' });
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
  });

  it('a job announced before the invoice was dismissed is stale: skipped, nothing sent', async () => {
    const rig = push();
    const company = await rig.company({ map: false });
    const invoice = rig.hostInvoice(company);
    const stale = rig.jobData(company.tenant, invoice.id);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await rig.push(company, invoice.id)).toMatchObject({ outcome: 'ACTION_REQUIRED' });
    await rig.syncStatus.transition({ tenantId: company.tenant, invoiceId: invoice.id }, 'DISMISSED', {});
    const mark = rig.rig.mark();

    const result = await rig.service.push({ job: stale, attempt: 1, lastAttempt: false });

    expect(result).toMatchObject({ outcome: 'SKIPPED' });
    expect((await rig.status(company, invoice.id)).state).toBe('NOT_SYNCED');
    expect(rig.requestsSince(mark, company.realmId)).toHaveLength(0);
  });
});
