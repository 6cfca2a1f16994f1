import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { CustomerModel } from '../../src/models/index.js';
import { isQuickBooksError } from '../../src/quickbooks/errors.js';
import { INVALID_GRANT_REASON } from '../../src/quickbooks/vault/connection-tokens.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import { QueueName } from '../../src/workers/queues.js';
import { DISCONNECT, type DisconnectResult } from '../support/connect-graphql.js';
import { adminOf, memberOf, REVOKE_PATH, TOKEN_PATH, useConnectRig } from '../support/connect-rig.js';
import { ConnectionFeeds } from '../support/connect-subscriptions.js';
import { eventually } from '../support/harness.js';

const rigOf = useConnectRig();
const feeds = new ConnectionFeeds(rigOf);

afterEach(async () => {
  await feeds.disposeAll();
});

const DISCONNECTED_VIEW = {
  status: 'DISCONNECTED',
  reason: null,
  realmId: null,
  companyName: null,
  environment: null,
  scopes: [],
  connectedAt: null,
  connectedBy: null,
  accessTokenExpiresAt: null,
  refreshTokenExpiresAt: null,
  refreshTokenHardExpiresAt: null,
};

async function hasCiphers(tenantId: string): Promise<boolean> {
  const doc = await CustomerModel.findById(tenantId)
    .select('+integrations.quickbooks.accessTokenCipher +integrations.quickbooks.refreshTokenCipher')
    .lean();
  const stored = doc?.integrations?.quickbooks;
  return Boolean(stored?.accessTokenCipher || stored?.refreshTokenCipher);
}

async function disconnect(tenantId: string, userId?: string) {
  const response = await rigOf().graphql<DisconnectResult>(adminOf(tenantId, userId), DISCONNECT, {
    customerId: tenantId,
  });
  if (!response.data) throw new Error(`disconnectQuickBooks failed: ${response.text}`);
  return response.data.disconnectQuickBooks;
}

describe('disconnecting', () => {
  const queueConnection = () => createRedis(rigOf().config.redis.url, 'worker');
  let connection: ReturnType<typeof queueConnection> | undefined;
  let queue: Queue | undefined;

  afterAll(async () => {
    await queue?.obliterate({ force: true });
    await queue?.close();
    if (connection) await closeRedis(connection);
  });

  it("revokes at QuickBooks, clears the connection, releases the company and cancels only this customer's pending jobs", async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const neighbour = rig.newTenant();
    const { realmId } = rig.newRealm();
    await rig.connected(tenant, realmId);
    const tokens = await rig.stored(tenant);

    connection = queueConnection();
    queue = new Queue(QueueName.invoicePush, { connection, prefix: rig.config.redis.prefix });
    await queue.add('push', { tenantId: tenant, invoiceId: 'inv-1' });
    await queue.add('push', { tenantId: neighbour, invoiceId: 'inv-2' });
    await queue.add('push', { tenantId: tenant, invoiceId: 'inv-3' }, { delay: 60_000 });
    await queue.add('push', { tenantId: neighbour, invoiceId: 'inv-4' }, { delay: 60_000 });
    await queue.add('push', { tenantId: tenant, invoiceId: 'inv-5' }, { priority: 5 });
    const mark = rig.mark();

    const result = await disconnect(tenant, 'user-dora');

    expect(result).toEqual({
      revokedAtQuickBooks: true,
      connection: expect.objectContaining({ customerId: tenant, ...DISCONNECTED_VIEW }),
    });
    expect(rig.requestsSince(mark, REVOKE_PATH).map((r) => r.status)).toEqual([200]);
    // Revoked: the old refresh token no longer refreshes, the old access token no longer reads.
    expect(await rig.refreshStatus(tokens.refreshToken)).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await rig.companyInfoStatus(realmId, tokens.accessToken)).toBe(401);

    expect(await rig.connection(tenant)).toMatchObject(DISCONNECTED_VIEW);
    expect(await hasCiphers(tenant)).toBe(false);
    expect(await rig.realmOwner(realmId)).toBeUndefined();
    expect(
      (await rig.auditLog(tenant)).map((e) => [e.action, e.outcome, e.actorUserId, e.realmId, e.reason]),
    ).toEqual([
      ['QUICKBOOKS_DISCONNECTED', 'SUCCEEDED', 'user-dora', realmId, null],
      ['QUICKBOOKS_CONNECTED', 'SUCCEEDED', `admin-of-${tenant}`, realmId, null],
    ]);

    const pending = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(pending.map((job) => (job.data as { invoiceId: string }).invoiceId).sort()).toEqual([
      'inv-2',
      'inv-4',
    ]);

    // The company is free again: another customer can connect it.
    const next = rig.newTenant();
    await rig.connected(next, realmId);
    expect(await rig.realmOwner(realmId)).toBe(next);
  });

  it('a second disconnect is a no-op: nothing revoked, nothing audited', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    await rig.connected(tenant, rig.newRealm().realmId);
    await disconnect(tenant);
    const mark = rig.mark();
    expect(await disconnect(tenant)).toEqual({
      revokedAtQuickBooks: null,
      connection: expect.objectContaining(DISCONNECTED_VIEW),
    });
    expect(rig.requestsSince(mark)).toEqual([]);
    expect((await rig.auditLog(tenant)).map((e) => e.action)).toEqual([
      'QUICKBOOKS_DISCONNECTED',
      'QUICKBOOKS_CONNECTED',
    ]);
  });

  it('a revoke QuickBooks keeps failing: retried, then DISCONNECTED here anyway, audited as FAILED with the reason', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    await rig.connected(tenant, realmId);
    rig.sandbox.control.injectFault({
      match: { path: REVOKE_PATH },
      times: null,
      action: { type: 'status', status: 503 },
    });
    const mark = rig.mark();

    const result = await disconnect(tenant, 'user-dora');

    expect(result).toEqual({
      revokedAtQuickBooks: false,
      connection: expect.objectContaining(DISCONNECTED_VIEW),
    });
    expect(rig.requestsSince(mark, REVOKE_PATH).map((r) => r.status)).toEqual([503, 503, 503]);
    expect(await rig.connection(tenant)).toMatchObject(DISCONNECTED_VIEW);
    expect(await hasCiphers(tenant)).toBe(false);
    expect(await rig.realmOwner(realmId)).toBeUndefined();
    expect((await rig.auditLog(tenant))[0]).toMatchObject({
      action: 'QUICKBOOKS_DISCONNECTED',
      outcome: 'FAILED',
      actorUserId: 'user-dora',
      realmId,
      reason: 'disconnected here; revoking at QuickBooks failed (transient 503)',
    });
  });

  it('ends DISCONNECTED even when its queued jobs cannot be cancelled (Redis refuses the queue commands)', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    await rig.connected(tenant, realmId);
    const tokens = await rig.stored(tenant);
    // A queue key of the wrong type makes every listing of the queue fail, as a Redis failure would.
    const waitKey = `${rig.config.redis.prefix}:${QueueName.invoicePush}:wait`;
    const parked = `${waitKey}:parked-by-test`;
    const hadJobs = (await rig.redis.exists(waitKey)) === 1;
    if (hadJobs) await rig.redis.rename(waitKey, parked);
    await rig.redis.set(waitKey, 'not a list');
    try {
      const response = await rig.graphql<DisconnectResult>(adminOf(tenant), DISCONNECT, {
        customerId: tenant,
      });
      expect(response.errors).toBeUndefined();
      expect(response.data?.disconnectQuickBooks).toMatchObject({
        revokedAtQuickBooks: true,
        connection: DISCONNECTED_VIEW,
      });
    } finally {
      await rig.redis.del(waitKey);
      if (hadJobs) await rig.redis.rename(parked, waitKey);
    }
    expect(await rig.refreshStatus(tokens.refreshToken)).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await rig.connection(tenant)).toMatchObject(DISCONNECTED_VIEW);
    expect(await hasCiphers(tenant)).toBe(false);
    expect(await rig.realmOwner(realmId)).toBeUndefined();
    expect((await rig.auditLog(tenant))[0]).toMatchObject({
      action: 'QUICKBOOKS_DISCONNECTED',
      outcome: 'SUCCEEDED',
    });
  });

  it('a revoke refused for a reason retrying cannot fix is sent once', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    await rig.connected(tenant, rig.newRealm().realmId);
    rig.sandbox.control.injectFault({
      match: { path: REVOKE_PATH },
      times: null,
      action: { type: 'status', status: 401, body: { error: 'invalid_client' } },
    });
    const mark = rig.mark();
    expect((await disconnect(tenant)).revokedAtQuickBooks).toBe(false);
    expect(rig.requestsSince(mark, REVOKE_PATH)).toHaveLength(1);
    expect((await rig.auditLog(tenant))[0]).toMatchObject({
      action: 'QUICKBOOKS_DISCONNECTED',
      outcome: 'FAILED',
    });
  });
});

describe('connecting while the job queue is unusable', () => {
  it('still lands connected: waking paused jobs is a follow-up, not part of the connect', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    const delayedKey = `${rig.config.redis.prefix}:${QueueName.invoicePush}:delayed`;
    const parked = `${delayedKey}:parked-by-test`;
    const hadJobs = (await rig.redis.exists(delayedKey)) === 1;
    if (hadJobs) await rig.redis.rename(delayedKey, parked);
    await rig.redis.set(delayedKey, 'not a sorted set');
    try {
      const outcome = await rig.connect(adminOf(tenant), tenant, { realmId, mode: 'approve' });
      expect(outcome.callback.status).toBe(303);
      expect(outcome.callback.location).toContain('quickbooks=connected');
    } finally {
      await rig.redis.del(delayedKey);
      if (hadJobs) await rig.redis.rename(parked, delayedKey);
    }
    expect(await rig.connection(tenant)).toMatchObject({ status: 'CONNECTED', realmId });
  });
});

describe('quickbooksConnectionChanged', () => {
  it('a member following the customer hears CONNECTED after the callback and DISCONNECTED after the disconnect', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId, companyName } = rig.newRealm();
    const feed = await feeds.follow(memberOf(tenant), tenant);
    await feeds.listening(tenant);

    await rig.connected(tenant, realmId);
    await feeds.waitFor(feed, 1);
    await disconnect(tenant);
    await feeds.waitFor(feed, 2);

    expect(feed.events).toEqual([
      { customerId: tenant, status: 'CONNECTED', reason: null, realmId, companyName },
      { customerId: tenant, status: 'DISCONNECTED', reason: null, realmId: null, companyName: null },
    ]);
    expect(feed.errors).toEqual([]);
    expect(feed.failure()).toBeUndefined();
  });

  it("never delivers another customer's changes", async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const other = rig.newTenant();
    const feed = await feeds.follow(memberOf(tenant), tenant);
    await feeds.listening(tenant);
    await rig.connected(other, rig.newRealm().realmId);
    await rig.connected(tenant, rig.newRealm().realmId);
    await feeds.waitFor(feed, 1);
    // Events of one channel arrive in publish order: the other customer's would have come first.
    expect(feed.events.map((e) => e.customerId)).toEqual([tenant]);
  });

  it('refuses a non-member with FORBIDDEN before the stream starts', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const feed = await feeds.follow(memberOf('cust-elsewhere'), tenant);
    const failure = await eventually(async () => feed.failure());
    expect(Array.isArray(failure)).toBe(true);
    expect((failure as { extensions?: { code?: string } }[]).map((e) => e.extensions?.code)).toEqual([
      'FORBIDDEN',
    ]);
    expect(feed.events).toEqual([]);
    const channel = `${rig.config.redis.prefix}:quickbooks-connection-changed:${tenant}`;
    expect(await rig.redis.pubsub('NUMSUB', channel)).toEqual([channel, 0]);
  });
});

describe('QuickBooks refusing the grant (invalid_grant)', () => {
  it('turns the connection NEEDS_REAUTH with a reason, audited and pushed live; reconnecting makes it CONNECTED again', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    await rig.connected(tenant, realmId);
    const feed = await feeds.follow(memberOf(tenant), tenant);
    await feeds.listening(tenant);

    // Someone removes the app in QuickBooks: the grant is revoked behind our back.
    const worker = rig.workerSide();
    const refreshToken = await worker.vault.openRefreshToken(tenant);
    await worker.oauth.revoke(refreshToken!);
    const mark = rig.mark();

    // The next call with the tenant's tokens meets 401, refreshes, and QuickBooks answers invalid_grant.
    const failure = await worker
      .clientFor(tenant, realmId)
      .companyInfo()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isQuickBooksError(failure) && failure.kind).toBe('reauthorization');
    expect(
      rig.requestsSince(mark).map((r) => [r.path.includes(TOKEN_PATH) ? 'token' : 'api', r.status]),
    ).toEqual([
      ['api', 401],
      ['token', 400],
    ]);

    expect(await rig.connection(tenant)).toMatchObject({
      status: 'NEEDS_REAUTH',
      reason: INVALID_GRANT_REASON,
      realmId,
    });
    expect((await rig.auditLog(tenant))[0]).toMatchObject({
      action: 'QUICKBOOKS_TOKEN_REFRESH_FAILED',
      outcome: 'FAILED',
      actorUserId: 'system',
      reason: INVALID_GRANT_REASON,
    });
    await feeds.waitFor(feed, 1);
    expect(feed.events[0]).toMatchObject({ status: 'NEEDS_REAUTH', reason: INVALID_GRANT_REASON, realmId });

    // An admin reconnects the same company.
    await rig.connected(tenant, realmId);
    await feeds.waitFor(feed, 2);
    expect(feed.events[1]).toMatchObject({ status: 'CONNECTED', reason: null, realmId });
    expect(await rig.connection(tenant)).toMatchObject({ status: 'CONNECTED', reason: null, realmId });
    expect((await rig.auditLog(tenant))[0]).toMatchObject({
      action: 'QUICKBOOKS_RECONNECTED',
      outcome: 'SUCCEEDED',
      reason: 'reconnected after the grant was refused',
    });
    // And calls work again.
    const info = await worker.clientFor(tenant, realmId).companyInfo();
    expect(info.entity.Id).toBeDefined();
  });

  it('a NEEDS_REAUTH connection can be disconnected, which frees its company', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    await rig.connected(tenant, realmId);
    const worker = rig.workerSide();
    await worker.oauth.revoke((await worker.vault.openRefreshToken(tenant))!);
    await expect(worker.vault.refresh(tenant, { reason: 'manual' })).rejects.toMatchObject({
      kind: 'reauthorization',
    });
    expect((await rig.connection(tenant)).status).toBe('NEEDS_REAUTH');

    const result = await disconnect(tenant);
    // Revoking an already revoked grant is answered 200 (RFC 7009): nothing left to undo at QuickBooks.
    expect(result).toMatchObject({ revokedAtQuickBooks: true, connection: DISCONNECTED_VIEW });
    expect(await rig.realmOwner(realmId)).toBeUndefined();
    expect(await hasCiphers(tenant)).toBe(false);
  });
});
