import { describe, expect, it } from '@jest/globals';
import { ERROR_CODES } from '../../../src/resolvers/errors.js';
import type { SyncErrorInfo } from '../../../src/services/sync-status.js';
import {
  GRAPHQL_ERROR_CODES,
  SYNC_ERROR_CODES,
  toGraphQLErrorExtensions,
  toSyncError,
} from '../../../src/quickbooks/error-shapes.js';
import {
  QUICKBOOKS_ERROR_KINDS,
  QuickBooksError,
  type QuickBooksErrorInit,
} from '../../../src/quickbooks/errors.js';
import { parseFailure } from '../../../src/quickbooks/faults.js';

const ACCESS_TOKEN =
  'eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..p3rRvG3Q5v0jYq9yT0k1Ww.Yk5Vr0eXqz2b7T1Y6c8vW4mN0aS2dF5gH7jK9lZxCvBnMqWeRtYuIoP';
const REFRESH_TOKEN = 'AB11779036592ZKYxhdeXprW5XzCmOE4tQ3nA9dKqJ2lV8sR0a';
const CLIENT_SECRET = 'sandboxDevClientSecret000000000000000000';

const error = (init: Partial<QuickBooksErrorInit> & Pick<QuickBooksErrorInit, 'kind'>) =>
  new QuickBooksError({ message: `failure ${init.kind}`, ...init });

describe('the stored sync error', () => {
  it('has a stable product code per kind, all different', () => {
    const codes = QUICKBOOKS_ERROR_KINDS.map((kind) => SYNC_ERROR_CODES[kind]);
    expect(new Set(codes).size).toBe(QUICKBOOKS_ERROR_KINDS.length);
    for (const code of codes) expect(code).toMatch(/^QUICKBOOKS_[A-Z_]+$/);
    expect(SYNC_ERROR_CODES.validation).toBe('QUICKBOOKS_VALIDATION');
    expect(SYNC_ERROR_CODES.throttled).toBe('QUICKBOOKS_THROTTLED');
  });

  it('fits SyncErrorInfo and carries retryable and intuit_tid', () => {
    for (const kind of QUICKBOOKS_ERROR_KINDS) {
      const failure = error({ kind, intuitTid: '1-66e1f2a3-4b5c6d7e8f9a0b1c2d3e4f5a' });
      const stored: SyncErrorInfo = toSyncError(failure);
      expect(stored).toEqual({
        code: SYNC_ERROR_CODES[kind],
        message: expect.any(String),
        retryable: failure.retryable,
        intuitTid: '1-66e1f2a3-4b5c6d7e8f9a0b1c2d3e4f5a',
      });
      expect(stored.message.length).toBeGreaterThan(20);
    }
    expect(toSyncError(error({ kind: 'transient' }))).not.toHaveProperty('intuitTid');
  });

  it("puts Intuit's code, detail and field in a validation message", () => {
    const failure = parseFailure(
      400,
      JSON.stringify({
        Fault: {
          Error: [
            {
              Message: 'Amount calculation incorrect in the request.',
              Detail: 'Amount is not equal to UnitPrice * Qty. Supplied value:1,000',
              code: '6070',
              element: 'Line.Amount',
            },
          ],
          type: 'ValidationFault',
        },
      }),
      { source: 'api', intent: 'write' },
    );
    expect(toSyncError(failure)).toEqual({
      code: 'QUICKBOOKS_VALIDATION',
      message:
        'QuickBooks rejected the data: 6070 Amount is not equal to UnitPrice * Qty. Supplied value:1,000 (field Line.Amount)',
      retryable: false,
    });
  });

  it('tells how long a throttle lasts', () => {
    expect(toSyncError(error({ kind: 'throttled', retryAfterMs: 60_000 })).message).toContain(
      'retrying in 60 s',
    );
  });
});

describe('the GraphQL error extensions', () => {
  it('use one retryable value per client code, so the code table can declare it', () => {
    const byCode = new Map<string, Set<boolean>>();
    for (const kind of QUICKBOOKS_ERROR_KINDS) {
      const extensions = toGraphQLErrorExtensions(error({ kind }));
      expect(extensions.code).toBe(GRAPHQL_ERROR_CODES[kind]);
      byCode.set(extensions.code, (byCode.get(extensions.code) ?? new Set()).add(extensions.retryable));
    }
    for (const [code, values] of byCode) expect([code, values.size]).toEqual([code, 1]);
    expect(Object.fromEntries([...byCode].map(([code, values]) => [code, [...values][0]]))).toEqual({
      QUICKBOOKS_REAUTH_REQUIRED: false,
      QUICKBOOKS_UNAVAILABLE: true,
      QUICKBOOKS_REJECTED: false,
      QUICKBOOKS_CONFLICT: true,
      INTERNAL_SERVER_ERROR: false,
    });
  });

  it('agree with the subgraph code table wherever a code is declared there', () => {
    const declared: Record<string, { retryable: boolean }> = ERROR_CODES;
    const missing: string[] = [];
    for (const kind of QUICKBOOKS_ERROR_KINDS) {
      const { code, retryable } = toGraphQLErrorExtensions(error({ kind }));
      const entry = declared[code];
      if (entry) expect([code, entry.retryable]).toEqual([code, retryable]);
      else if (!missing.includes(code)) missing.push(code);
    }
    // A code missing from src/resolvers/errors.ts would reach clients as INTERNAL_SERVER_ERROR.
    expect(missing).toEqual([]);
  });

  it("show Intuit's code, field and intuit_tid, and nothing else", () => {
    const failure = error({
      kind: 'validation',
      status: 400,
      code: '6240',
      element: 'DisplayName',
      detail: 'The name supplied already exists.',
      intuitTid: '1-abc',
      realmId: '9341455130166501',
    });
    expect(toGraphQLErrorExtensions(failure)).toEqual({
      code: 'QUICKBOOKS_REJECTED',
      retryable: false,
      intuitTid: '1-abc',
      quickbooksCode: '6240',
      element: 'DisplayName',
    });
  });

  it('show nothing of an operator problem', () => {
    const failure = error({ kind: 'configuration', status: 401, code: 'invalid_client', intuitTid: '1-abc' });
    expect(toGraphQLErrorExtensions(failure)).toEqual({ code: 'INTERNAL_SERVER_ERROR', retryable: false });
  });
});

describe('no credential reaches either shape', () => {
  // Every field an Intuit answer can fill, stuffed with credentials the way Intuit echoes them.
  const poisoned = (kind: (typeof QUICKBOOKS_ERROR_KINDS)[number]) =>
    error({
      kind,
      message: `Bearer ${ACCESS_TOKEN}`,
      code: REFRESH_TOKEN,
      element: ACCESS_TOKEN,
      detail: `Token expired: ${ACCESS_TOKEN.slice(0, 12)}; refresh ${REFRESH_TOKEN}; client ${CLIENT_SECRET}; ${ACCESS_TOKEN}`,
    });

  it.each(QUICKBOOKS_ERROR_KINDS)('%s', (kind) => {
    const shown = JSON.stringify([toSyncError(poisoned(kind)), toGraphQLErrorExtensions(poisoned(kind))]);
    for (const secret of [ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET]) {
      expect(shown).not.toContain(secret.slice(0, 12));
    }
  });
});
