import { describe, expect, it } from '@jest/globals';
import { checkTarget, judgeEntry, validateEntries } from '../../../src/services/mappings/rules.js';
import {
  canonicalRate,
  checkSourceKey,
  taxRateKeyFromPercent,
} from '../../../src/services/mappings/source-keys.js';
import type {
  QuickBooksCompanyFacts,
  QuickBooksTaxCodeRef,
  ReferenceSnapshot,
} from '../../../src/services/reference-data/types.js';

const US_FACTS: QuickBooksCompanyFacts = {
  companyName: 'Plumbing LLC',
  country: 'US',
  taxModel: 'US',
  automatedSalesTax: false,
  customTxnNumbers: false,
  homeCurrency: 'USD',
  multiCurrencyEnabled: false,
};

const taxCode = (
  id: string,
  name: string,
  ratePercents: number[],
  extra: Partial<QuickBooksTaxCodeRef> = {},
) => ({
  id,
  name,
  active: true,
  usableOnSales: ratePercents.length > 0 || name === 'TAX' || name === 'NON',
  taxable: name !== 'NON' && ratePercents.some((rate) => rate > 0),
  salesRates: ratePercents.map((ratePercent, i) => ({ id: `${id}-${i}`, name: `${name} ${i}`, ratePercent })),
  ...extra,
});

/** A small US company by hand: what the reference data service would have read. */
function snapshot(
  overrides: Omit<Partial<ReferenceSnapshot>, 'facts'> & { facts?: Partial<QuickBooksCompanyFacts> } = {},
): ReferenceSnapshot {
  const { facts, ...rest } = overrides;
  return {
    realmId: 'realm-1',
    asOf: new Date('2026-11-24T10:00:00Z'),
    facts: { ...US_FACTS, ...facts },
    accounts: [
      {
        id: '1',
        name: 'Checking',
        fullyQualifiedName: 'Checking',
        accountType: 'Bank',
        accountSubType: 'Checking',
        active: true,
      },
      {
        id: '4',
        name: 'Undeposited Funds',
        fullyQualifiedName: 'Undeposited Funds',
        accountType: 'Other Current Asset',
        accountSubType: 'UndepositedFunds',
        active: true,
      },
      {
        id: '5',
        name: 'Inventory Asset',
        fullyQualifiedName: 'Inventory Asset',
        accountType: 'Other Current Asset',
        accountSubType: 'Inventory',
        active: true,
      },
      {
        id: '14',
        name: 'Services',
        fullyQualifiedName: 'Services',
        accountType: 'Income',
        accountSubType: 'ServiceFeeIncome',
        active: true,
      },
      {
        id: '21',
        name: 'Other Income',
        fullyQualifiedName: 'Other Income',
        accountType: 'Other Income',
        active: true,
      },
      {
        id: '30',
        name: 'Old Income',
        fullyQualifiedName: 'Old Income',
        accountType: 'Income',
        active: false,
      },
    ],
    items: [
      { id: '1', name: 'Labor', fullyQualifiedName: 'Labor', type: 'Service', active: true, sellable: true },
      {
        id: '2',
        name: 'Old Labor',
        fullyQualifiedName: 'Old Labor',
        type: 'Service',
        active: false,
        sellable: true,
      },
      {
        id: '3',
        name: 'Parts',
        fullyQualifiedName: 'Parts',
        type: 'Category',
        active: true,
        sellable: false,
      },
    ],
    taxCodes: [
      taxCode('TAX', 'TAX', []),
      taxCode('NON', 'NON', []),
      taxCode('2', 'California', [7.25]),
      taxCode('3', 'San Pablo', [7.25, 1]),
      taxCode('7', 'Retired', [5], { active: false }),
      taxCode('8', 'Purchases only', []),
    ],
    classes: [
      { id: '1', name: 'North', fullyQualifiedName: 'North', active: true },
      { id: '2', name: 'South', fullyQualifiedName: 'South', active: false },
    ],
    terms: [],
    ...rest,
  };
}

const refusal = (check: ReturnType<typeof checkTarget>) =>
  check.ok ? undefined : [check.problem, check.reason];

describe('source keys', () => {
  it.each([
    ['ITEM', 'ITEM_KIND:LABOR'],
    ['ITEM', 'SERVICE_CODE:HVAC-01'],
    ['TAX_CODE', 'TAX_RATE:0.0725'],
    ['TAX_CODE', 'TAX_RATE:0'],
    ['CLASS', 'BUSINESS_UNIT:north'],
    ['INCOME_ACCOUNT', 'INCOME_ACCOUNT'],
    ['DEPOSIT_ACCOUNT', 'DEPOSIT_ACCOUNT'],
  ] as const)('%s accepts %s', (kind, key) => {
    expect(checkSourceKey(kind, key)).toEqual({ ok: true });
  });

  it.each([
    [
      'ITEM',
      'ITEM_KIND:PLUMBING',
      'the item kind must be one of SERVICE, MATERIAL, LABOR, FEE, not "PLUMBING"',
    ],
    [
      'ITEM',
      'TAX_RATE:0.1',
      'an ITEM mapping needs a key ITEM_KIND:<SERVICE|MATERIAL|LABOR|FEE> or SERVICE_CODE:<code>',
    ],
    [
      'ITEM',
      'SERVICE_CODE: padded',
      'a service code must be 1-100 characters, no control characters and no leading or trailing spaces',
    ],
    [
      'ITEM',
      'SERVICE_CODE:',
      'a service code must be 1-100 characters, no control characters and no leading or trailing spaces',
    ],
    [
      'TAX_CODE',
      'TAX_RATE:7.25',
      'a tax rate is a fraction between 0 and 1 (7.25 % is TAX_RATE:0.0725), not 7.25',
    ],
    ['TAX_CODE', 'TAX_RATE:0.07250', 'write the rate in its canonical form: TAX_RATE:0.0725'],
    ['TAX_CODE', 'TAX_RATE:7%', '"7%" is not a plain decimal rate such as TAX_RATE:0.0725'],
    [
      'TAX_CODE',
      'ITEM_KIND:FEE',
      'a TAX_CODE mapping needs a key TAX_RATE:<rate as a fraction, e.g. 0.0725>',
    ],
    [
      'CLASS',
      'BUSINESS_UNIT:\u0007',
      'a business unit id must be 1-100 characters, no control characters and no leading or trailing spaces',
    ],
    ['CLASS', 'north', 'a CLASS mapping needs a key BUSINESS_UNIT:<business unit id>'],
    ['INCOME_ACCOUNT', 'INCOME_ACCOUNT:x', 'INCOME_ACCOUNT mappings have the single key INCOME_ACCOUNT'],
    ['DEPOSIT_ACCOUNT', 'INCOME_ACCOUNT', 'DEPOSIT_ACCOUNT mappings have the single key DEPOSIT_ACCOUNT'],
  ] as const)('%s refuses %j', (kind, key, reason) => {
    expect(checkSourceKey(kind, key)).toEqual({ ok: false, reason });
  });

  it('canonical rates are computed as text, without float error', () => {
    expect(canonicalRate('0.07250')).toBe('0.0725');
    expect(canonicalRate('00.5')).toBe('0.5');
    expect(canonicalRate('1.000')).toBe('1');
    expect(canonicalRate('-0.1')).toBeUndefined();
    expect(taxRateKeyFromPercent('7.25')).toBe('TAX_RATE:0.0725');
    expect(taxRateKeyFromPercent('8.250')).toBe('TAX_RATE:0.0825');
    expect(taxRateKeyFromPercent('20')).toBe('TAX_RATE:0.2');
    expect(taxRateKeyFromPercent('100')).toBe('TAX_RATE:1');
    expect(taxRateKeyFromPercent('0')).toBe('TAX_RATE:0');
    expect(taxRateKeyFromPercent('0.001')).toBe('TAX_RATE:0.00001');
    expect(taxRateKeyFromPercent('abc')).toBeUndefined();
  });
});

describe('target rules', () => {
  const company = snapshot();
  const hint = '(as of the last read of the company; refresh the QuickBooks lists if it is new)';

  it('ITEM: an active item that can be sold', () => {
    expect(checkTarget('ITEM', 'ITEM_KIND:LABOR', '1', company)).toEqual({ ok: true, targetName: 'Labor' });
    expect(refusal(checkTarget('ITEM', 'ITEM_KIND:LABOR', '99', company))).toEqual([
      'TARGET_MISSING',
      `QuickBooks has no item with id 99 ${hint}`,
    ]);
    expect(refusal(checkTarget('ITEM', 'ITEM_KIND:LABOR', '2', company))).toEqual([
      'TARGET_INACTIVE',
      'the item "Old Labor" is inactive in QuickBooks',
    ]);
    expect(refusal(checkTarget('ITEM', 'ITEM_KIND:LABOR', '3', company))).toEqual([
      'WRONG_TYPE',
      'the item "Parts" (Category) cannot be sold on an invoice line',
    ]);
  });

  it('INCOME_ACCOUNT: an active account of type Income', () => {
    expect(checkTarget('INCOME_ACCOUNT', 'INCOME_ACCOUNT', '14', company)).toEqual({
      ok: true,
      targetName: 'Services',
    });
    expect(refusal(checkTarget('INCOME_ACCOUNT', 'INCOME_ACCOUNT', '21', company))).toEqual([
      'WRONG_TYPE',
      'the account "Other Income" is of type Other Income; items the sync creates need an Income account',
    ]);
    expect(refusal(checkTarget('INCOME_ACCOUNT', 'INCOME_ACCOUNT', '1', company))?.[0]).toBe('WRONG_TYPE');
    expect(refusal(checkTarget('INCOME_ACCOUNT', 'INCOME_ACCOUNT', '30', company))).toEqual([
      'TARGET_INACTIVE',
      'the account "Old Income" is inactive in QuickBooks',
    ]);
    expect(refusal(checkTarget('INCOME_ACCOUNT', 'INCOME_ACCOUNT', '77', company))).toEqual([
      'TARGET_MISSING',
      `QuickBooks has no account with id 77 ${hint}`,
    ]);
  });

  it('DEPOSIT_ACCOUNT: a Bank account or Undeposited Funds, not another current asset', () => {
    expect(checkTarget('DEPOSIT_ACCOUNT', 'DEPOSIT_ACCOUNT', '1', company).ok).toBe(true);
    expect(checkTarget('DEPOSIT_ACCOUNT', 'DEPOSIT_ACCOUNT', '4', company).ok).toBe(true);
    expect(refusal(checkTarget('DEPOSIT_ACCOUNT', 'DEPOSIT_ACCOUNT', '5', company))).toEqual([
      'WRONG_TYPE',
      'the account "Inventory Asset" is of type Other Current Asset (Inventory); payments are deposited to a Bank account or to Undeposited Funds',
    ]);
    expect(refusal(checkTarget('DEPOSIT_ACCOUNT', 'DEPOSIT_ACCOUNT', '14', company))?.[0]).toBe('WRONG_TYPE');
  });

  it('CLASS: an active class', () => {
    expect(checkTarget('CLASS', 'BUSINESS_UNIT:n', '1', company)).toEqual({ ok: true, targetName: 'North' });
    expect(refusal(checkTarget('CLASS', 'BUSINESS_UNIT:s', '2', company))).toEqual([
      'TARGET_INACTIVE',
      'the class "South" is inactive in QuickBooks',
    ]);
    expect(refusal(checkTarget('CLASS', 'BUSINESS_UNIT:s', '9', company))?.[0]).toBe('TARGET_MISSING');
  });

  it('TAX_CODE on a US company: a positive rate maps to a transaction code, never to TAX or NON', () => {
    expect(checkTarget('TAX_CODE', 'TAX_RATE:0.0725', '2', company)).toEqual({
      ok: true,
      targetName: 'California',
    });
    expect(checkTarget('TAX_CODE', 'TAX_RATE:0.0825', '3', company).ok).toBe(true);
    expect(refusal(checkTarget('TAX_CODE', 'TAX_RATE:0.0725', 'TAX', company))).toEqual([
      'WRONG_TYPE',
      'on a US company TAX only marks a line taxable or not: map a rate to the tax code (rate or group) QuickBooks charges on the invoice',
    ]);
    expect(refusal(checkTarget('TAX_CODE', 'TAX_RATE:0.0725', 'NON', company))?.[0]).toBe('WRONG_TYPE');
  });

  it('TAX_CODE on a US company: a zero rate maps to NON only', () => {
    expect(checkTarget('TAX_CODE', 'TAX_RATE:0', 'NON', company)).toEqual({ ok: true, targetName: 'NON' });
    expect(refusal(checkTarget('TAX_CODE', 'TAX_RATE:0', '2', company))).toEqual([
      'WRONG_TYPE',
      'on a US company a zero rate goes on the line as NON and needs no tax code: map TAX_RATE:0 to NON',
    ]);
  });

  it('TAX_CODE: inactive, missing and purchase-only codes are refused', () => {
    expect(refusal(checkTarget('TAX_CODE', 'TAX_RATE:0.05', '7', company))).toEqual([
      'TARGET_INACTIVE',
      'the tax code "Retired" is inactive in QuickBooks',
    ]);
    expect(refusal(checkTarget('TAX_CODE', 'TAX_RATE:0.05', '8', company))).toEqual([
      'WRONG_TYPE',
      'the tax code "Purchases only" has no sales rate and cannot be used on an invoice',
    ]);
    expect(refusal(checkTarget('TAX_CODE', 'TAX_RATE:0.05', '99', company))).toEqual([
      'TARGET_MISSING',
      `QuickBooks has no tax code with id 99 ${hint}`,
    ]);
  });

  it('TAX_CODE on a US company with Automated Sales Tax: not needed, refused whatever the target', () => {
    const ast = snapshot({ facts: { automatedSalesTax: true } });
    expect(refusal(checkTarget('TAX_CODE', 'TAX_RATE:0.0725', '2', ast))).toEqual([
      'NOT_APPLICABLE',
      'this company uses Automated Sales Tax: QuickBooks works the tax out from the customer address, so tax rates are not mapped',
    ]);
  });

  it('TAX_CODE on a non-US company: any active code usable on sales, zero-rated included', () => {
    const gb = snapshot({
      facts: { country: 'GB', taxModel: 'NON_US', homeCurrency: 'GBP' },
      taxCodes: [taxCode('2', '20.0% S', [20]), taxCode('4', '0.0% Z', [0]), taxCode('6', 'No VAT', [])],
    });
    expect(checkTarget('TAX_CODE', 'TAX_RATE:0.2', '2', gb).ok).toBe(true);
    expect(checkTarget('TAX_CODE', 'TAX_RATE:0', '4', gb).ok).toBe(true);
    expect(refusal(checkTarget('TAX_CODE', 'TAX_RATE:0', '6', gb))?.[0]).toBe('WRONG_TYPE');
  });
});

describe('validateEntries', () => {
  it('reports every bad entry with its input path, and keeps none of a refused call', () => {
    const { valid, problems } = validateEntries(
      [
        { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: '1' },
        { kind: 'WIDGET', sourceKey: 'x', targetId: '1' },
        { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: '2' },
        { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:7.25', targetId: '2' },
        { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: '1' },
      ],
      snapshot(),
    );
    expect(valid).toHaveLength(1);
    expect(problems).toEqual([
      {
        index: 1,
        field: 'entries[1].kind',
        message: 'the kind must be one of ITEM, TAX_CODE, CLASS, INCOME_ACCOUNT, DEPOSIT_ACCOUNT',
      },
      { index: 2, field: 'entries[2].targetId', message: 'the item "Old Labor" is inactive in QuickBooks' },
      {
        index: 3,
        field: 'entries[3].sourceKey',
        message: 'a tax rate is a fraction between 0 and 1 (7.25 % is TAX_RATE:0.0725), not 7.25',
      },
      {
        index: 4,
        field: 'entries[4].sourceKey',
        message: 'ITEM ITEM_KIND:LABOR is already mapped by entries[0]',
      },
    ]);
  });

  it('keeps the QuickBooks name of each valid target', () => {
    const { valid, problems } = validateEntries(
      [
        { kind: 'ITEM', sourceKey: 'SERVICE_CODE:HVAC', targetId: '1' },
        { kind: 'DEPOSIT_ACCOUNT', sourceKey: 'DEPOSIT_ACCOUNT', targetId: '4' },
      ],
      snapshot(),
    );
    expect(problems).toEqual([]);
    expect(valid.map((entry) => entry.targetName)).toEqual(['Labor', 'Undeposited Funds']);
  });
});

describe('judgeEntry', () => {
  it('is OK while the target is usable, BROKEN once QuickBooks deactivated it', () => {
    const entry = { kind: 'ITEM' as const, sourceKey: 'ITEM_KIND:LABOR', targetId: '1' };
    expect(judgeEntry(entry, 'realm-1', snapshot())).toEqual({ status: 'OK' });
    const later = snapshot();
    later.items[0] = { ...later.items[0]!, active: false };
    expect(judgeEntry(entry, 'realm-1', later)).toEqual({
      status: 'BROKEN',
      problem: 'TARGET_INACTIVE',
      reason: 'the item "Labor" is inactive in QuickBooks',
    });
  });

  it('is BROKEN when made for another company than the one connected', () => {
    const entry = { kind: 'ITEM' as const, sourceKey: 'ITEM_KIND:LABOR', targetId: '1' };
    expect(judgeEntry(entry, 'realm-old', snapshot())).toMatchObject({
      status: 'BROKEN',
      problem: 'OTHER_COMPANY',
    });
  });
});
