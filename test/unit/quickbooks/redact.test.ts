import { describe, expect, it } from '@jest/globals';
import { scrubSecrets, scrubUnknownSecrets } from '../../../src/quickbooks/redact.js';

describe('scrubbing credentials out of error text', () => {
  const token = 'eyJlbmMiOiJBMTI4Q0JDLUhTMjU2Iiwi';

  it('removes a known secret and any prefix of 8 or more characters of it', () => {
    expect(scrubSecrets(`full ${token} end`, [token])).toBe('full [redacted] end');
    expect(scrubSecrets(`echo ${token.slice(0, 12)}, twice ${token.slice(0, 9)}.`, [token])).toBe(
      'echo [redacted], twice [redacted].',
    );
  });

  it('keeps ordinary text, including short runs that happen to match', () => {
    expect(scrubSecrets(`prefix ${token.slice(0, 7)} stays`, [token])).toBe(
      `prefix ${token.slice(0, 7)} stays`,
    );
    expect(scrubSecrets('Duplicate Name Exists Error', [token, undefined, ''])).toBe(
      'Duplicate Name Exists Error',
    );
  });

  it("removes Intuit's 'Token expired:' echo and credential-shaped runs without knowing the secret", () => {
    expect(scrubUnknownSecrets('Token expired: AB11700000')).toBe('Token expired: [redacted]');
    expect(scrubUnknownSecrets(`x ${'a1B2'.repeat(10)} y`)).toBe('x [redacted] y');
    // UUIDs (intuit_tid, requestid) and Intuit's wording stay readable.
    const readable = 'requestid 4f1c2b3a-5d6e-4f70-8a9b-0c1d2e3f4a5b: Stale Object Error : You and root';
    expect(scrubUnknownSecrets(readable)).toBe(readable);
  });
});
