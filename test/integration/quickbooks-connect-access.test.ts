import { describe, expect, it } from '@jest/globals';
import { Types } from 'mongoose';
import { AuditLogModel } from '../../src/models/index.js';
import {
  AUDIT_LOG,
  CONNECT,
  CONNECTION,
  codesOf,
  DISCONNECT,
  type AuditLogResult,
  type ConnectionQueryResult,
} from '../support/connect-graphql.js';
import { adminOf, memberOf, REVOKE_PATH, useConnectRig, type ConnectRig } from '../support/connect-rig.js';

const rigOf = useConnectRig();

/** What each operation answers this caller for this customer: the error codes, and whether data came. */
async function answersFor(rig: ConnectRig, claims: Parameters<ConnectRig['graphql']>[0], customerId: string) {
  const call = async (query: string) => {
    const response = await rig.graphql<Record<string, unknown>>(claims, query, { customerId });
    const [value] = Object.values(response.data ?? {});
    return { codes: codesOf(response), data: value != null };
  };
  return {
    connect: await call(CONNECT),
    disconnect: await call(DISCONNECT),
    auditLog: await call(AUDIT_LOG),
    status: await call(CONNECTION),
  };
}

const FORBIDDEN = { codes: ['FORBIDDEN'], data: false };

describe('who may connect, disconnect and read the audit log', () => {
  it('a member (no admin role) may read status only; the connection survives their disconnect attempt', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    await rig.connected(tenant, realmId);
    const mark = rig.mark();
    const stateKeys = `${rig.config.redis.prefix}:qbo-oauth-state:*`;
    const pendingBefore = await rig.redis.keys(stateKeys);

    const answers = await answersFor(rig, memberOf(tenant), tenant);
    expect(answers).toEqual({
      connect: FORBIDDEN,
      disconnect: FORBIDDEN,
      auditLog: FORBIDDEN,
      status: { codes: [], data: true },
    });
    const refused = await rig.graphql(memberOf(tenant), DISCONNECT, { customerId: tenant });
    expect(refused.errors?.[0]?.message).toBe('Only an admin of this customer may disconnect QuickBooks');

    expect(await rig.connection(tenant)).toMatchObject({ status: 'CONNECTED', realmId });
    expect(rig.requestsSince(mark, REVOKE_PATH)).toEqual([]);
    expect(await rig.redis.keys(stateKeys)).toEqual(pendingBefore);
    expect((await rig.auditLog(tenant)).map((e) => e.action)).toEqual(['QUICKBOOKS_CONNECTED']);
  });

  it('a non-member gets FORBIDDEN on everything, status included, whether the customer exists or not', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    await rig.connected(tenant, realmId);
    const stranger = { userId: 'user-stranger', tenants: ['cust-elsewhere'], adminOf: ['cust-elsewhere'] };
    const everything = { connect: FORBIDDEN, disconnect: FORBIDDEN, auditLog: FORBIDDEN, status: FORBIDDEN };
    expect(await answersFor(rig, stranger, tenant)).toEqual(everything);
    expect(await answersFor(rig, stranger, 'cust-that-does-not-exist')).toEqual(everything);
    const existing = await rig.graphql(stranger, CONNECTION, { customerId: tenant });
    const missing = await rig.graphql(stranger, CONNECTION, { customerId: 'cust-that-does-not-exist' });
    expect(existing.errors?.[0]?.message).toBe(missing.errors?.[0]?.message);
    expect((await rig.connection(tenant)).status).toBe('CONNECTED');
  });

  it('an admin of customer X is not an admin of Y, even when a member of Y or holding a role for Y', async () => {
    const rig = rigOf();
    const x = rig.newTenant('x');
    const y = rig.newTenant('y');
    const adminOfXMemberOfY = { userId: 'user-x', tenants: [x, y], adminOf: [x] };
    expect(await answersFor(rig, adminOfXMemberOfY, y)).toEqual({
      connect: FORBIDDEN,
      disconnect: FORBIDDEN,
      auditLog: FORBIDDEN,
      status: { codes: [], data: true },
    });
    // A role for a customer outside `tenants` counts for nothing (a stale role cannot widen access).
    const staleRole = { userId: 'user-x', tenants: [x], adminOf: [x, y] };
    expect((await answersFor(rig, staleRole, y)).connect).toEqual(FORBIDDEN);
    // And the same caller is an admin of X.
    expect((await answersFor(rig, adminOfXMemberOfY, x)).connect).toEqual({ codes: [], data: true });
  });

  it('no token: UNAUTHENTICATED, nothing runs', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    expect(await answersFor(rig, undefined, tenant)).toEqual({
      connect: { codes: ['UNAUTHENTICATED'], data: false },
      disconnect: { codes: ['UNAUTHENTICATED'], data: false },
      auditLog: { codes: ['UNAUTHENTICATED'], data: false },
      status: { codes: ['UNAUTHENTICATED'], data: false },
    });
  });
});

describe('audit log paging', () => {
  it('pages newest first with first/after, without overlap, and says when it ends', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const first = rig.newRealm();
    const second = rig.newRealm();
    await rig.connected(tenant, first.realmId); // CONNECTED
    await rig.connected(tenant, second.realmId); // RECONNECTED
    expect(
      codesOf(await rig.graphql(adminOf(tenant), DISCONNECT, { customerId: tenant })), // DISCONNECTED
    ).toEqual([]);
    await rig.connect(adminOf(tenant), tenant, { realmId: first.realmId, mode: 'deny' }); // CONNECT_FAILED
    // Another tenant's entries never show up in this one's pages.
    const neighbour = rig.newTenant();
    await rig.connected(neighbour, rig.newRealm().realmId);

    const page = async (after?: string | null) => {
      const response = await rig.graphql<AuditLogResult>(adminOf(tenant), AUDIT_LOG, {
        customerId: tenant,
        first: 2,
        after,
      });
      expect(response.errors).toBeUndefined();
      return response.data!.quickbooksAuditLog!;
    };
    const one = await page();
    const two = await page(one.pageInfo.endCursor);
    const three = await page(two.pageInfo.endCursor);

    expect(one.edges.map((e) => e.node.action)).toEqual([
      'QUICKBOOKS_CONNECT_FAILED',
      'QUICKBOOKS_DISCONNECTED',
    ]);
    expect(two.edges.map((e) => e.node.action)).toEqual(['QUICKBOOKS_RECONNECTED', 'QUICKBOOKS_CONNECTED']);
    expect(three.edges).toEqual([]);
    expect([one, two, three].map((p) => p.pageInfo.hasNextPage)).toEqual([true, false, false]);
    expect(one.pageInfo).toMatchObject({ hasPreviousPage: false, startCursor: one.edges[0]!.cursor });
    expect(one.pageInfo.endCursor).toBe(one.edges[1]!.cursor);

    const ids = [...one.edges, ...two.edges].map((e) => e.node.id);
    expect(new Set(ids).size).toBe(4);
    const times = [...one.edges, ...two.edges].map((e) => Date.parse(e.node.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('orders entries written in the same millisecond by id, so a page boundary between them loses none', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const at = new Date('2026-12-01T10:00:00.123Z');
    const ids = [0, 1, 2, 3, 4].map(() => new Types.ObjectId());
    // Straight to the collection: mongoose's timestamps would overwrite createdAt.
    await AuditLogModel.collection.insertMany(
      ids.map((_id) => ({
        _id,
        tenantId: tenant,
        actorUserId: 'system',
        action: 'QUICKBOOKS_TOKEN_REFRESH_FAILED',
        outcome: 'FAILED',
        createdAt: at,
      })),
    );
    const seen: string[] = [];
    let after: string | null | undefined;
    for (let guard = 0; guard < 5; guard += 1) {
      const response = await rig.graphql<AuditLogResult>(adminOf(tenant), AUDIT_LOG, {
        customerId: tenant,
        first: 2,
        after,
      });
      const log = response.data!.quickbooksAuditLog!;
      seen.push(...log.edges.map((e) => e.node.id));
      if (!log.pageInfo.hasNextPage) break;
      after = log.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids.map((id) => id.toHexString()).reverse());
  });

  it.each([
    ['not base64 JSON', 'garbage!'],
    ['JSON that is not a cursor', Buffer.from('[1,2]').toString('base64url')],
    [
      'a cursor with a bad id',
      Buffer.from(JSON.stringify({ at: '2026-01-01T00:00:00Z', id: 'x' })).toString('base64url'),
    ],
    [
      'a cursor with a bad date',
      Buffer.from(JSON.stringify({ at: 'soon', id: 'a'.repeat(24) })).toString('base64url'),
    ],
  ])('a bad cursor (%s) is BAD_USER_INPUT on after', async (_label, after) => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const response = await rig.graphql<AuditLogResult>(adminOf(tenant), AUDIT_LOG, {
      customerId: tenant,
      first: 2,
      after,
    });
    expect(response.data?.quickbooksAuditLog).toBeNull();
    expect(response.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'after', retryable: false } }),
    ]);
  });

  it.each([0, 101])('first: %i is BAD_USER_INPUT on first', async (first) => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const response = await rig.graphql<ConnectionQueryResult>(adminOf(tenant), AUDIT_LOG, {
      customerId: tenant,
      first,
    });
    expect(response.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'first', retryable: false } }),
    ]);
  });
});
