import { describe, expect, it } from '@jest/globals';
import { idInList } from '../../../src/quickbooks/client.js';

describe('idInList', () => {
  it('quotes QuickBooks Ids for an IN list and refuses anything that is not one', () => {
    expect(idInList(['1', '42'])).toBe("'1', '42'");
    expect(() => idInList([])).toThrow(RangeError);
    expect(() => idInList(["1') OR ('1' = '1"])).toThrow(RangeError);
    expect(() => idInList(['12a'])).toThrow(RangeError);
  });
});
