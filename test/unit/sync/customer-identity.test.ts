import { describe, expect, it } from '@jest/globals';
import {
  createRequestIdFor,
  displayNameFor,
  isSameParty,
  platformKeyOf,
  queryableLiteral,
} from '../../../src/sync/customer-identity.js';

describe('customer identity', () => {
  it('keys a party by e-mail when it has one, else by its normalised name', () => {
    expect(platformKeyOf({ name: 'Ann Lee', email: ' Ann@Example.COM ' })).toBe('email:ann@example.com');
    expect(platformKeyOf({ name: '  Ann   LEE ', email: '' })).toBe('name:ann lee');
    // Composed and decomposed accents are one name.
    expect(platformKeyOf({ name: 'Jose\u0301' })).toBe(platformKeyOf({ name: 'Jos\u00e9' }));
  });

  it('gives one requestid per party and attempt, within 50 characters', () => {
    const first = createRequestIdFor('tenant', 'realm', 'name:ann lee', 1);
    expect(first).toBe(createRequestIdFor('tenant', 'realm', 'name:ann lee', 1));
    expect(first).not.toBe(createRequestIdFor('tenant', 'realm', 'name:ann lee', 2));
    expect(first).not.toBe(createRequestIdFor('other', 'realm', 'name:ann lee', 1));
    expect(first.length).toBeLessThanOrEqual(50);
  });

  it('makes DisplayNames QuickBooks accepts: no colon, tab or newline, at most 500 characters', () => {
    expect(displayNameFor('Acme: North\tBranch\n')).toBe('Acme North Branch');
    expect(displayNameFor('Acme', 2)).toBe('Acme (2)');
    const long = displayNameFor('x'.repeat(600), 3);
    expect(long).toHaveLength(500);
    expect(long.endsWith(' (3)')).toBe(true);
  });

  it('stops a query literal before characters the query lexer refuses, and escapes quotes', () => {
    expect(queryableLiteral("Bob's Barn")).toEqual({ literal: "Bob\\'s Barn", complete: true });
    expect(queryableLiteral('Caf\u00e9 Z\u00fcrich')).toEqual({
      literal: 'Caf\u00e9 Z\u00fcrich',
      complete: true,
    });
    expect(queryableLiteral('O\u2019Brien')).toEqual({ literal: 'O', complete: false });
    expect(queryableLiteral('\u0141ukasz')).toEqual({ literal: '', complete: false });
    expect(queryableLiteral('a\\b')).toEqual({ literal: 'a', complete: false });
  });

  it('treats a same-named customer with another e-mail as someone else', () => {
    const candidate = { Id: '1', DisplayName: 'Ann  Lee', PrimaryEmailAddr: { Address: 'ann@one.example' } };
    expect(isSameParty(candidate, 'ann lee', 'ann@one.example')).toBe(true);
    expect(isSameParty(candidate, 'ann lee', undefined)).toBe(true);
    expect(isSameParty(candidate, 'ann lee', 'ann@two.example')).toBe(false);
    expect(isSameParty({ Id: '2', DisplayName: 'Ann Lee' }, 'ann lee', 'ann@two.example')).toBe(true);
    expect(isSameParty(candidate, 'Ann Li', undefined)).toBe(false);
  });
});
