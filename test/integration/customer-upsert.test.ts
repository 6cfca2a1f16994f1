/**
 * The bill-to customer match-or-create against the emulator over HTTP, with real Mongo-compatible storage:
 * what QuickBooks ends up holding (counted in the emulator's company and request log) is the assertion.
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { models } from '../../src/models/index.js';
import { createRequestIdFor, displayNameFor } from '../../src/sync/customer-identity.js';
import { CustomerUpsertError, CustomerUpserter } from '../../src/sync/customer-upsert.js';
import type { PlatformBillTo } from '../../src/sync/platform-invoice.js';
import { useConnectRig, type ConnectRig } from '../support/connect-rig.js';
import { silentLogger } from '../support/harness.js';

const rigOf = useConnectRig();

async function connectedCompany(rig: ConnectRig) {
  const tenant = rig.newTenant('cust');
  const { realmId } = rig.newRealm();
  await rig.connected(tenant, realmId);
  const side = rig.workerSide();
  const client = side.clientFor(tenant, realmId);
  const upserter = new CustomerUpserter({
    models,
    clientFor: (tenantId, realm) => side.clientFor(tenantId, realm),
    now: () => new Date(),
    logger: silentLogger(),
  });
  return { tenant, realmId, client, upserter };
}

/** A name no seeded or earlier record has. */
function uniqueParty(label: string): string {
  return `${label} ${randomBytes(3).toString('hex')}`;
}

function customersNamed(rig: ConnectRig, realmId: string, prefix: string) {
  return rig.sandbox.control
    .listEntities(realmId, 'Customer')
    .filter((c) => typeof c.DisplayName === 'string' && c.DisplayName.startsWith(prefix));
}

function customerCreatesSince(rig: ConnectRig, mark: number, realmId: string): number {
  return rig
    .requestsSince(mark)
    .filter((r) => r.realmId === realmId && r.method === 'POST' && r.entity?.toLowerCase() === 'customer')
    .length;
}

describe('bill-to customer match-or-create', () => {
  it('creates a customer for a new party and links it', async () => {
    const rig = rigOf();
    const { tenant, realmId, upserter } = await connectedCompany(rig);
    const name = uniqueParty('Harbor Dental');
    const billTo: PlatformBillTo = { name, email: `Office+${randomUUID()}@Harbor.example` };

    const id = await upserter.ensureCustomer(tenant, realmId, billTo);

    const stored = customersNamed(rig, realmId, name);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ Id: id, DisplayName: name });
    expect((stored[0]?.PrimaryEmailAddr as { Address: string }).Address).toBe(billTo.email);
    const link = await models.customerLinks.findOne({ tenantId: tenant, realmId }).lean();
    expect(link).toMatchObject({
      state: 'LINKED',
      quickbooksCustomerId: id,
      platformKey: `email:${billTo.email?.toLowerCase()}`,
    });
    expect(link?.createRequestId).toBeUndefined();
  });

  it('reuses the stored link without creating anything', async () => {
    const rig = rigOf();
    const { tenant, realmId, upserter } = await connectedCompany(rig);
    const billTo = { name: uniqueParty('Reuse Co') };
    const first = await upserter.ensureCustomer(tenant, realmId, billTo);

    const mark = rig.mark();
    const second = await upserter.ensureCustomer(tenant, realmId, billTo);

    expect(second).toBe(first);
    expect(customerCreatesSince(rig, mark, realmId)).toBe(0);
    expect(rig.requestsSince(mark).filter((r) => r.realmId === realmId)).toHaveLength(1);
  });

  it('matches an existing customer by e-mail, whatever its DisplayName', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter } = await connectedCompany(rig);
    const email = `billing-${randomBytes(4).toString('hex')}@acme.example`;
    const { entity: existing } = await client.create(
      'Customer',
      { DisplayName: uniqueParty('ACME Holdings'), PrimaryEmailAddr: { Address: email } },
      { requestId: randomUUID() },
    );

    const mark = rig.mark();
    const id = await upserter.ensureCustomer(tenant, realmId, {
      name: uniqueParty('Acme'),
      email: email.toUpperCase(),
    });

    expect(id).toBe(existing.Id);
    expect(customerCreatesSince(rig, mark, realmId)).toBe(0);
  });

  it('matches an existing customer by normalised DisplayName', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter } = await connectedCompany(rig);
    const name = uniqueParty('Blue Ridge Farms');
    const { entity: existing } = await client.create(
      'Customer',
      { DisplayName: name },
      { requestId: randomUUID() },
    );

    const mark = rig.mark();
    const id = await upserter.ensureCustomer(tenant, realmId, {
      name: `  ${name.toUpperCase().replace(' ', '   ')} `,
      email: 'new-contact@blueridge.example',
    });

    expect(id).toBe(existing.Id);
    expect(customerCreatesSince(rig, mark, realmId)).toBe(0);
  });

  it('a Vendor holding the name (6240) gives the customer a numbered name, not a duplicate', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter } = await connectedCompany(rig);
    const name = uniqueParty('Rivera Electric');
    await client.create('Vendor', { DisplayName: name }, { requestId: randomUUID() });

    const id = await upserter.ensureCustomer(tenant, realmId, { name });

    const stored = customersNamed(rig, realmId, name);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ Id: id, DisplayName: `${name} (2)` });
    // The same party next time: the link, no second numbered customer.
    expect(await upserter.ensureCustomer(tenant, realmId, { name })).toBe(id);
    expect(customersNamed(rig, realmId, name)).toHaveLength(1);
  });

  it('an active customer of the same name with another e-mail is someone else: numbered name', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter } = await connectedCompany(rig);
    const name = uniqueParty('John Smith');
    const { entity: other } = await client.create(
      'Customer',
      { DisplayName: name, PrimaryEmailAddr: { Address: 'john@one.example' } },
      { requestId: randomUUID() },
    );

    const id = await upserter.ensureCustomer(tenant, realmId, { name, email: 'john@two.example' });

    expect(id).not.toBe(other.Id);
    expect(rig.sandbox.control.getEntity(realmId, 'Customer', id)).toMatchObject({
      DisplayName: `${name} (2)`,
    });
  });

  it('a create committed but whose answer was dropped gives exactly one customer', async () => {
    const rig = rigOf();
    const { tenant, realmId, upserter } = await connectedCompany(rig);
    const name = uniqueParty('Dropped Answer Ltd');
    const mark = rig.mark();
    rig.sandbox.control.injectFault({
      match: { realmId, entity: 'customer', method: 'POST' },
      action: { type: 'commit-then-drop' },
    });

    const id = await upserter.ensureCustomer(tenant, realmId, { name, email: 'ops@dropped.example' });

    const stored = customersNamed(rig, realmId, name);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.Id).toBe(id);
    const dropped = rig.requestsSince(mark).filter((r) => r.realmId === realmId && r.fault);
    expect(dropped).toHaveLength(1);
  });

  it('a create stored and committed before the worker died is resumed, not repeated', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter } = await connectedCompany(rig);
    const name = uniqueParty('Crashed Worker Inc');
    const platformKey = `name:${name.toLowerCase()}`;
    const requestId = createRequestIdFor(tenant, realmId, platformKey, 1);
    const body = { DisplayName: displayNameFor(name) };
    // What a process leaves behind when it dies after QuickBooks committed and before the link was written.
    await models.customerLinks.create({
      tenantId: tenant,
      realmId,
      platformKey,
      state: 'CREATING',
      quickbooksCustomerId: `creating:${requestId}`,
      displayName: body.DisplayName,
      createRequestId: requestId,
      createOrdinal: 1,
      createBody: body,
    });
    const { entity: committed } = await client.create('Customer', body, { requestId });

    const mark = rig.mark();
    const id = await upserter.ensureCustomer(tenant, realmId, { name });

    expect(id).toBe(committed.Id);
    expect(customersNamed(rig, realmId, name)).toHaveLength(1);
    expect(customerCreatesSince(rig, mark, realmId)).toBe(0);
    expect(await models.customerLinks.findOne({ tenantId: tenant, realmId }).lean()).toMatchObject({
      state: 'LINKED',
      quickbooksCustomerId: committed.Id,
    });
  });

  it('handles names with characters above U+00FF, which QuickBooks queries refuse', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter } = await connectedCompany(rig);
    const suffix = randomBytes(3).toString('hex');
    const inside = `O\u2019Brien \u0141ukasz ${suffix}`;
    const leading = `\u014Ckubo Plumbing ${suffix}`;
    const { entity: existing } = await client.create(
      'Customer',
      { DisplayName: inside },
      { requestId: randomUUID() },
    );

    const mark = rig.mark();
    expect(await upserter.ensureCustomer(tenant, realmId, { name: inside })).toBe(existing.Id);
    expect(customerCreatesSince(rig, mark, realmId)).toBe(0);

    const created = await upserter.ensureCustomer(tenant, realmId, { name: leading });
    expect(rig.sandbox.control.getEntity(realmId, 'Customer', created)).toMatchObject({
      DisplayName: leading,
    });
    const faults = rig.requestsSince(mark).filter((r) => r.realmId === realmId && (r.status ?? 0) >= 400);
    expect(faults).toEqual([]);
  });

  it('two concurrent calls for one party create one QuickBooks customer', async () => {
    const rig = rigOf();
    const { tenant, realmId, upserter } = await connectedCompany(rig);
    const name = uniqueParty('Concurrent Roofing');
    const billTo = { name, email: `roof-${randomBytes(3).toString('hex')}@example.com` };

    const ids = await Promise.all([
      upserter.ensureCustomer(tenant, realmId, billTo),
      upserter.ensureCustomer(tenant, realmId, billTo),
    ]);

    expect(ids[0]).toBe(ids[1]);
    expect(customersNamed(rig, realmId, name)).toHaveLength(1);
    expect(await models.customerLinks.countDocuments({ tenantId: tenant, realmId })).toBe(1);
  });

  it('a linked customer made inactive in QuickBooks is reported, not re-created', async () => {
    const rig = rigOf();
    const { tenant, realmId, upserter } = await connectedCompany(rig);
    const name = uniqueParty('Gone Quiet LLC');
    const id = await upserter.ensureCustomer(tenant, realmId, { name });
    rig.sandbox.control.editEntity(realmId, 'Customer', id, { Active: false });

    const mark = rig.mark();
    const failure = await upserter.ensureCustomer(tenant, realmId, { name }).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(CustomerUpsertError);
    expect(failure).toMatchObject({ kind: 'link_inactive', quickbooksCustomerId: id, retryable: false });
    expect(customerCreatesSince(rig, mark, realmId)).toBe(0);
  });

  it('a QuickBooks customer already linked to another party is never relinked', async () => {
    const rig = rigOf();
    const { tenant, realmId, upserter } = await connectedCompany(rig);
    const name = uniqueParty('Shared Name Co');
    const id = await upserter.ensureCustomer(tenant, realmId, { name });

    // Another party key (with e-mail) that matches the same customer by name.
    const failure = await upserter
      .ensureCustomer(tenant, realmId, { name, email: 'shared@example.com' })
      .catch((e: unknown) => e);

    expect(failure).toMatchObject({ kind: 'link_conflict', quickbooksCustomerId: id });
    const link = await models.customerLinks
      .findOne({ tenantId: tenant, realmId, quickbooksCustomerId: id })
      .lean();
    expect(link?.platformKey).toBe(`name:${name.toLowerCase()}`);
  });

  it('an inactive customer holding the name is not reused: the party gets a numbered name', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter } = await connectedCompany(rig);
    const name = uniqueParty('Retired Account');
    const { entity: retired } = await client.create(
      'Customer',
      { DisplayName: name },
      { requestId: randomUUID() },
    );
    rig.sandbox.control.editEntity(realmId, 'Customer', retired.Id, { Active: false });

    const id = await upserter.ensureCustomer(tenant, realmId, { name });

    expect(id).not.toBe(retired.Id);
    expect(rig.sandbox.control.getEntity(realmId, 'Customer', id)).toMatchObject({
      DisplayName: `${name} (2)`,
      Active: true,
    });
    expect(rig.sandbox.control.getEntity(realmId, 'Customer', retired.Id)).toMatchObject({ Active: false });
  });

  it('a link to a customer that no longer exists is reported, not re-created', async () => {
    const rig = rigOf();
    const { tenant, realmId, upserter } = await connectedCompany(rig);
    const name = uniqueParty('Vanished Co');
    await models.customerLinks.create({
      tenantId: tenant,
      realmId,
      platformKey: `name:${name.toLowerCase()}`,
      state: 'LINKED',
      quickbooksCustomerId: '987654',
      displayName: name,
      linkedAt: new Date(),
    });

    const mark = rig.mark();
    const failure = await upserter.ensureCustomer(tenant, realmId, { name }).catch((e: unknown) => e);

    expect(failure).toMatchObject({ kind: 'link_missing', quickbooksCustomerId: '987654' });
    expect(customerCreatesSince(rig, mark, realmId)).toBe(0);
  });

  it('stops with display_name_exhausted when every numbered name is taken by others', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter } = await connectedCompany(rig);
    const name = uniqueParty('Crowded Name');
    for (let n = 1; n <= 9; n += 1) {
      const displayName = n === 1 ? name : `${name} (${n})`;
      await client.create('Vendor', { DisplayName: displayName }, { requestId: randomUUID() });
    }

    const failure = await upserter.ensureCustomer(tenant, realmId, { name }).catch((e: unknown) => e);

    expect(failure).toMatchObject({ kind: 'display_name_exhausted', retryable: false });
    expect(customersNamed(rig, realmId, name)).toHaveLength(0);
  });
});
