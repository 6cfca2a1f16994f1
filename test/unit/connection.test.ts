import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { GraphQLError } from 'graphql';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  readPageArgs,
  toConnection,
} from '../../src/schema/connection.js';

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return (error as GraphQLError).extensions.code;
  }
  throw new Error('expected an error');
}

describe('the paging convention (Relay cursor connections, forward only)', () => {
  it('defaults first and refuses pages outside 1..MAX_PAGE_SIZE', () => {
    expect(readPageArgs({})).toEqual({ limit: DEFAULT_PAGE_SIZE });
    expect(readPageArgs({ first: MAX_PAGE_SIZE }).limit).toBe(MAX_PAGE_SIZE);
    expect(codeOf(() => readPageArgs({ first: 0 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => readPageArgs({ first: MAX_PAGE_SIZE + 1 }))).toBe('BAD_USER_INPUT');
  });

  it('issues opaque cursors and refuses ones it did not issue', () => {
    const cursor = encodeCursor({ createdAt: 1700000000000, id: 'log-9' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ createdAt: 1700000000000, id: 'log-9' });
    expect(readPageArgs({ first: 5, after: cursor }).after).toEqual({
      createdAt: 1700000000000,
      id: 'log-9',
    });
    expect(codeOf(() => decodeCursor('not a cursor'))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeCursor(Buffer.from('[1]').toString('base64url')))).toBe('BAD_USER_INPUT');
  });

  it('builds edges, nodes and pageInfo from limit + 1 rows', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const page = toConnection(rows, 2, (row) => ({ id: row.id }));
    expect(page.nodes).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(page.edges.map((edge) => decodeCursor(edge.cursor))).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(page.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: page.edges[0]!.cursor,
      endCursor: page.edges[1]!.cursor,
    });
    expect(toConnection([], 2, () => ({})).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });
});
