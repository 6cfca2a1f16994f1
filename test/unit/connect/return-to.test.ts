import { describe, expect, it } from '@jest/globals';
import { checkReturnTo, withOutcome } from '../../../src/services/connect/return-to.js';

const ALLOWED = ['https://app.example.com', 'http://localhost:3000'];

describe('returnTo allowlist', () => {
  it.each([
    'https://app.example.com/settings/quickbooks',
    'https://app.example.com/settings?tab=quickbooks#top',
    'http://localhost:3000/',
  ])('accepts %s', (value) => {
    expect(checkReturnTo(value, ALLOWED)).toEqual({ ok: true, url: new URL(value).toString() });
  });

  it.each([
    ['another origin', 'https://evil.example/settings'],
    ['a look-alike host', 'https://app.example.com.evil.example/'],
    ['another port', 'https://app.example.com:8443/'],
    ['http for an https origin', 'http://app.example.com/'],
    ['protocol-relative', '//evil.example/'],
    ['a relative path', '/settings'],
    ['javascript:', 'javascript:alert(1)'],
    ['backslash trick', 'https://app.example.com\\@evil.example/'],
    ['credentials', 'https://user:pass@app.example.com/'],
    ['data:', 'data:text/html,hi'],
  ])('refuses %s', (_name, value) => {
    expect(checkReturnTo(value, ALLOWED).ok).toBe(false);
  });

  it('adds the outcome to the query, keeping the rest of the URL', () => {
    expect(
      withOutcome('https://app.example.com/s?tab=qb#x', { quickbooks: 'connected', realmId: '123' }),
    ).toBe('https://app.example.com/s?tab=qb&quickbooks=connected&realmId=123#x');
  });
});
