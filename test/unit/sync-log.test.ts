import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { GraphQLError } from 'graphql';
import { Types } from 'mongoose';
import { toSyncLogFilter, toSyncLogPosition } from '../../src/resolvers/quickbooks-sync-log.resolver.js';
import {
  QuickBooksSyncAttemptOutcome,
  QuickBooksSyncEntityType,
} from '../../src/schema/quickbooks-sync-log.js';
import { syncLogQuery } from '../../src/services/sync-log.js';

const id = new Types.ObjectId().toHexString();
const at = new Date('2026-12-01T10:00:00.000Z');

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof GraphQLError ? error.extensions.code : 'not a GraphQLError';
  }
  return 'no error';
};

describe('syncLogQuery', () => {
  it('scopes to the tenant alone without filters or cursor', () => {
    expect(syncLogQuery('t1', {})).toEqual({ tenantId: 't1' });
  });

  it('combines every filter with AND, since inclusive and until exclusive', () => {
    const since = new Date('2026-11-01T00:00:00Z');
    const until = new Date('2026-12-01T00:00:00Z');
    expect(
      syncLogQuery('t1', { outcome: 'FAILED', entityType: 'INVOICE', entityId: 'inv-1', since, until }),
    ).toEqual({
      tenantId: 't1',
      outcome: 'FAILED',
      entityType: 'INVOICE',
      entityId: 'inv-1',
      createdAt: { $gte: since, $lt: until },
    });
  });

  it('continues strictly after the cursor, breaking createdAt ties by _id, inside the date window', () => {
    const since = new Date('2026-11-01T00:00:00Z');
    const query = syncLogQuery('t1', { since }, { createdAt: at, id });
    expect(query).toEqual({
      $and: [
        { tenantId: 't1', createdAt: { $gte: since } },
        {
          $or: [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: new Types.ObjectId(id) } }],
        },
      ],
    });
  });
});

describe('sync log arguments', () => {
  it('accepts a cursor this list issued', () => {
    expect(toSyncLogPosition({ at: at.toISOString(), id })).toEqual({ createdAt: at, id });
  });

  it.each([
    ['a missing id', { at: at.toISOString() }],
    ['an id that is not an ObjectId', { at: at.toISOString(), id: 'x' }],
    ['a date that does not parse', { at: 'yesterday', id }],
    ['a numeric date', { at: 5, id }],
  ])('refuses a cursor with %s as BAD_USER_INPUT', (_label, cursor) => {
    expect(codeOf(() => toSyncLogPosition(cursor))).toBe('BAD_USER_INPUT');
  });

  it('maps the GraphQL filter, leaving unset fields out', () => {
    expect(toSyncLogFilter(null)).toEqual({});
    expect(
      toSyncLogFilter({
        outcome: QuickBooksSyncAttemptOutcome.SUCCEEDED,
        entityType: QuickBooksSyncEntityType.QUICKBOOKS_CUSTOMER,
        entityId: null,
      }),
    ).toEqual({ outcome: 'SUCCEEDED', entityType: 'QUICKBOOKS_CUSTOMER' });
  });

  it('refuses a date window that ends before it starts', () => {
    expect(codeOf(() => toSyncLogFilter({ since: at, until: at }))).toBe('BAD_USER_INPUT');
  });
});
