/**
 * The bill-to customer match-or-create against the emulator over HTTP, with real Mongo-compatible storage:
 * what QuickBooks ends up holding (counted in the emulator's company and request log) is the assertion.
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { models } from '../../src/models/index.js';
import { createRequestIdFor, displayNameFor } from '../../src/sync/customer-identity.js';
import { CustomerDirectory, type CustomerDirectoryOptions } from '../../src/sync/customer-directory.js';
import { CustomerUpsertError, CustomerUpserter } from '../../src/sync/customer-upsert.js';
import type { PlatformBillTo } from '../../src/sync/platform-invoice.js';
import { useConnectRig, type ConnectRig } from '../support/connect-rig.js';
import { silentLogger } from '../support/harness.js';

const rigOf = useConnectRig();

const FRESH_FOR_MS = 5_000;

/**
 * A connected company and an upserter with its own customer directory, whose clock the test moves: "the
 * directory is older than its window" is then a fact, not a race.
 */
async function connectedCompany(rig: ConnectRig, directory: Omit<CustomerDirectoryOptions, 'now'> = {}) {
  const tenant = rig.newTenant('cust');
  const { realmId } = rig.newRealm();
  await rig.connected(tenant, realmId);
  const side = rig.workerSide();
  const client = side.clientFor(tenant, realmId);
  let at = Date.now();
  const now = () => new Date(at);
  const upserter = new CustomerUpserter({
    models,
    clientFor: (tenantId, realm) => side.clientFor(tenantId, realm),
    now,
    logger: silentLogger(),
    directory: new CustomerDirectory({ freshForMs: FRESH_FOR_MS, now, ...directory }),
  });
  const clock = {
    advance(ms: number) {
      at += ms;
    },
    outliveWindow() {
      at += FRESH_FOR_MS + 1;
    },
  };
  return { tenant, realmId, client, upserter, clock };
}

/** The company's requests since a mark, as "METHOD what" (CDC, QUERY, POST CUSTOMER, ...). */
function callsSince(rig: ConnectRig, mark: number, realmId: string): string[] {
  return rig
    .requestsSince(mark)
    .filter((r) => r.realmId === realmId)
    .map((r) => {
      if (r.path.endsWith('/cdc')) return 'CDC';
      if (r.path.endsWith('/query')) return 'QUERY';
      return `${r.method} ${r.entity ?? r.path}`.toUpperCase();
    });
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

  it('trusts the stored link: no QuickBooks call at all', async () => {
    const rig = rigOf();
    const { tenant, realmId, upserter } = await connectedCompany(rig);
    const billTo = { name: uniqueParty('Reuse Co') };
    const first = await upserter.ensureCustomer(tenant, realmId, billTo);

    const mark = rig.mark();
    const second = await upserter.ensureCustomer(tenant, realmId, billTo);

    expect(second).toBe(first);
    expect(rig.requestsSince(mark).filter((r) => r.realmId === realmId)).toHaveLength(0);
  });

  it('verifies an active linked customer with one read', async () => {
    const rig = rigOf();
    const { tenant, realmId, upserter } = await connectedCompany(rig);
    const id = await upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Still Here Inc') });

    const mark = rig.mark();
    await expect(upserter.verifyLinkedCustomer(tenant, realmId, id)).resolves.toBe(id);
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
    // The link is trusted (the push verifies it once QuickBooks refuses the invoice naming it).
    await expect(upserter.ensureCustomer(tenant, realmId, { name })).resolves.toBe(id);
    const failure = await upserter.verifyLinkedCustomer(tenant, realmId, id).catch((e: unknown) => e);

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

    const mark = rig.mark();
    const id = await upserter.ensureCustomer(tenant, realmId, { name });

    // The directory holds inactive customers too: "(2)" is sent at once, no create is refused with 6240.
    expect(callsSince(rig, mark, realmId)).toEqual(['QUERY', 'POST CUSTOMER']);
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
    await expect(upserter.ensureCustomer(tenant, realmId, { name })).resolves.toBe('987654');
    const failure = await upserter.verifyLinkedCustomer(tenant, realmId, '987654').catch((e: unknown) => e);

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

describe('the customer directory behind the match', () => {
  it('a customer created by hand after the directory loaded is matched by e-mail: the refresh before the create sees it', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter, clock } = await connectedCompany(rig);
    await upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Loads The Directory') });
    const email = `ap-${randomBytes(4).toString('hex')}@byhand.example`;
    const { entity: byHand } = await client.create(
      'Customer',
      { DisplayName: uniqueParty('Typed In QuickBooks'), PrimaryEmailAddr: { Address: email } },
      { requestId: randomUUID() },
    );

    clock.outliveWindow();
    const mark = rig.mark();
    const id = await upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Platform Name'), email });

    expect(id).toBe(byHand.Id);
    expect(callsSince(rig, mark, realmId)).toEqual(['CDC']);
  });

  it('concurrent first calls for one company share one load of its customers', async () => {
    const rig = rigOf();
    const { tenant, realmId, upserter } = await connectedCompany(rig);
    const parties = Array.from({ length: 5 }, (_, n) => ({
      name: uniqueParty(`Parallel ${n}`),
      email: `p${n}-${randomBytes(4).toString('hex')}@example.com`,
    }));

    const mark = rig.mark();
    const ids = await Promise.all(parties.map((billTo) => upserter.ensureCustomer(tenant, realmId, billTo)));

    expect(new Set(ids).size).toBe(5);
    const calls = callsSince(rig, mark, realmId);
    expect(calls.filter((call) => call === 'QUERY')).toEqual(['QUERY']);
    expect(calls.filter((call) => call === 'POST CUSTOMER')).toHaveLength(5);
    // Customers this process created are known at once: someone else of the same name gets "(2)" straight
    // away, with no create refused by 6240 and no refresh within the window.
    const again = rig.mark();
    const namesake = { name: parties[0]!.name, email: 'someone-else@example.com' };
    const namesakeId = await upserter.ensureCustomer(tenant, realmId, namesake);
    expect(rig.sandbox.control.getEntity(realmId, 'Customer', namesakeId)).toMatchObject({
      DisplayName: `${parties[0]!.name} (2)`,
    });
    expect(callsSince(rig, again, realmId)).toEqual(['POST CUSTOMER']);
  });

  it('a CDC answer that may be cut short reloads the directory, so a change it left out is still matched', async () => {
    const rig = rigOf();
    const previous = rig.sandbox.control.settings().cdc.maxObjects;
    // The emulator's cap scaled down with the directory's, instead of creating a thousand customers.
    rig.sandbox.control.updateSettings({ cdc: { maxObjects: 3 } });
    try {
      const { tenant, realmId, client, upserter, clock } = await connectedCompany(rig, { cdcMaxObjects: 3 });
      await upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Loads The Directory') });
      const email = `early-${randomBytes(4).toString('hex')}@cut.example`;
      // CDC answers newest first: the oldest change, this one, is the one a capped answer leaves out.
      const { entity: early } = await client.create(
        'Customer',
        { DisplayName: uniqueParty('Oldest Change'), PrimaryEmailAddr: { Address: email } },
        { requestId: randomUUID() },
      );
      for (let n = 0; n < 3; n += 1) {
        await client.create(
          'Customer',
          { DisplayName: uniqueParty(`Later ${n}`) },
          { requestId: randomUUID() },
        );
      }

      clock.outliveWindow();
      const mark = rig.mark();
      const id = await upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Platform'), email });

      expect(id).toBe(early.Id);
      expect(callsSince(rig, mark, realmId)).toEqual(['CDC', 'QUERY']);
    } finally {
      rig.sandbox.control.updateSettings({ cdc: { maxObjects: previous } });
    }
  });

  it('a directory older than the 30 days CDC covers is reloaded instead of asked for changes', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter, clock } = await connectedCompany(rig);
    await upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Loads The Directory') });
    const name = uniqueParty('Added Since');
    const { entity: added } = await client.create(
      'Customer',
      { DisplayName: name },
      { requestId: randomUUID() },
    );

    clock.advance(31 * 86_400_000);
    const mark = rig.mark();
    const id = await upserter.ensureCustomer(tenant, realmId, { name });

    expect(id).toBe(added.Id);
    expect(callsSince(rig, mark, realmId)).toEqual(['QUERY']);
  });

  it('a company with more customers than the bound is matched by queries, as without a directory', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter } = await connectedCompany(rig, { maxCustomersPerRealm: 1 });
    const email = `big-${randomBytes(4).toString('hex')}@large.example`;
    const { entity: existing } = await client.create(
      'Customer',
      { DisplayName: uniqueParty('Large Company Client'), PrimaryEmailAddr: { Address: email } },
      { requestId: randomUUID() },
    );

    const mark = rig.mark();
    const id = await upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Platform'), email });

    expect(id).toBe(existing.Id);
    // The load stops at the bound; the e-mail query then finds the customer.
    expect(callsSince(rig, mark, realmId)).toEqual(['QUERY', 'QUERY']);
    const again = rig.mark();
    await upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Another'), email: `n-${email}` });
    expect(callsSince(rig, again, realmId)).toEqual(['QUERY', 'QUERY', 'POST CUSTOMER']);
  });

  it('a CDC request QuickBooks refuses (a checkpoint past its lookback) reloads the directory', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter, clock } = await connectedCompany(rig);
    await upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Loads The Directory') });
    const name = uniqueParty('Added Meanwhile');
    const { entity: added } = await client.create(
      'Customer',
      { DisplayName: name },
      { requestId: randomUUID() },
    );
    rig.sandbox.control.injectFault({
      match: { realmId, operation: 'cdc' },
      times: 1,
      action: {
        type: 'status',
        status: 400,
        fault: {
          code: '6000',
          message: 'A business validation error has occurred while processing your request',
          detail:
            'Operation cdc with changedSince date 2000-01-01 which is older than fixed days is not supported.',
          type: 'ValidationFault',
        },
      },
    });

    clock.outliveWindow();
    const mark = rig.mark();
    const id = await upserter.ensureCustomer(tenant, realmId, { name });

    expect(id).toBe(added.Id);
    expect(callsSince(rig, mark, realmId)).toEqual(['CDC', 'QUERY']);
  });

  it('QuickBooks answering CDC with a time before the checkpoint (clocks apart) reloads the directory', async () => {
    const rig = rigOf();
    const { tenant, realmId, client, upserter, clock } = await connectedCompany(rig);
    await upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Loads The Directory') });
    const email = `skew-${randomBytes(4).toString('hex')}@clock.example`;
    const { entity: added } = await client.create(
      'Customer',
      { DisplayName: uniqueParty('Stamped Now'), PrimaryEmailAddr: { Address: email } },
      { requestId: randomUUID() },
    );
    // QuickBooks' clock an hour behind ours: the checkpoint the load took from our clock is in its future,
    // so its CDC answer would leave out the customer above.
    rig.sandbox.control.setClock(Date.now() - 3_600_000);
    try {
      clock.outliveWindow();
      const mark = rig.mark();
      const id = await upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Platform'), email });

      expect(id).toBe(added.Id);
      expect(callsSince(rig, mark, realmId)).toEqual(['CDC', 'QUERY']);
    } finally {
      rig.sandbox.control.resetClock();
    }
  });

  it('holds at most maxRealms companies: the least recently used one is loaded again', async () => {
    const rig = rigOf();
    const first = await connectedCompany(rig, { maxRealms: 1 });
    const tenant = rig.newTenant('cust');
    const { realmId } = rig.newRealm();
    await rig.connected(tenant, realmId);
    await first.upserter.ensureCustomer(first.tenant, first.realmId, { name: uniqueParty('First Company') });
    await first.upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Second Company') });

    const mark = rig.mark();
    await first.upserter.ensureCustomer(first.tenant, first.realmId, { name: uniqueParty('First Again') });

    // Within the window, but evicted by the second company: loaded again rather than trusted.
    expect(callsSince(rig, mark, first.realmId)).toEqual(['QUERY', 'POST CUSTOMER']);
    expect(callsSince(rig, mark, realmId)).toEqual([]);
  });

  it('holds at most maxCustomers over all companies: the least recently used one is loaded again', async () => {
    const rig = rigOf();
    const probe = rig.newRealm();
    const seeded = rig.sandbox.control.listEntities(probe.realmId, 'Customer').length;
    // Room for one company's customers (and the one each call creates), not for two.
    const first = await connectedCompany(rig, { maxCustomers: seeded + 5 });
    const tenant = rig.newTenant('cust');
    const { realmId } = rig.newRealm();
    await rig.connected(tenant, realmId);
    await first.upserter.ensureCustomer(first.tenant, first.realmId, { name: uniqueParty('First Company') });
    await first.upserter.ensureCustomer(tenant, realmId, { name: uniqueParty('Second Company') });

    const mark = rig.mark();
    await first.upserter.ensureCustomer(first.tenant, first.realmId, { name: uniqueParty('First Again') });

    expect(callsSince(rig, mark, first.realmId)).toEqual(['QUERY', 'POST CUSTOMER']);
  });
});
