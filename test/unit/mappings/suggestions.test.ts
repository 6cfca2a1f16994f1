import { describe, expect, it } from '@jest/globals';
import {
  nameSimilarity,
  normalisedTokens,
  rankSuggestions,
} from '../../../src/services/mappings/suggestions.js';
import {
  createHostInvoiceReader,
  HostReadError,
  mappingStatus,
  type CurrentMapping,
} from '../../../src/services/mappings/status.js';
import type {
  QuickBooksItemRef,
  QuickBooksTaxCodeRef,
  ReferenceSnapshot,
} from '../../../src/services/reference-data/types.js';

let nextId = 1;
function item(name: string, extra: Partial<QuickBooksItemRef> = {}): QuickBooksItemRef {
  const id = String(nextId++);
  return { id, name, fullyQualifiedName: name, type: 'Service', active: true, sellable: true, ...extra };
}

function taxCode(id: string, name: string, rates: number[], extra: Partial<QuickBooksTaxCodeRef> = {}) {
  return {
    id,
    name,
    active: true,
    usableOnSales: true,
    taxable: rates.length > 0,
    salesRates: rates.map((ratePercent, i) => ({ id: `${id}-${i}`, name: `${name} ${i}`, ratePercent })),
    ...extra,
  } satisfies QuickBooksTaxCodeRef;
}

function snapshot(parts: Partial<ReferenceSnapshot>): ReferenceSnapshot {
  return {
    realmId: 'realm-1',
    asOf: new Date('2026-12-01T00:00:00Z'),
    facts: {
      companyName: 'Acme',
      country: 'US',
      taxModel: 'US',
      automatedSalesTax: false,
      customTxnNumbers: false,
      homeCurrency: 'USD',
      multiCurrencyEnabled: false,
    },
    accounts: [],
    items: [],
    taxCodes: [],
    classes: [],
    terms: [],
    ...parts,
  };
}

const first = (company: ReferenceSnapshot, sourceKey: string) =>
  rankSuggestions([{ sourceKey }], company)[0]!.candidates[0];

describe('normalised names', () => {
  it('set aside case, punctuation, accents, plurals and field-service abbreviations', () => {
    expect(normalisedTokens('HVAC maint. (Svcs)')).toEqual(['hvac', 'maintenance', 'service']);
    expect(normalisedTokens('Labour - Hrs')).toEqual(['labor', 'hour']);
    expect(normalisedTokens('Parts & Matl')).toEqual(['part', 'material']);
    expect(normalisedTokens('Électrical Installs')).toEqual(['electrical', 'installation']);
    expect(normalisedTokens('Batteries')).toEqual(['battery']);
    expect(normalisedTokens('Glass')).toEqual(['glass']);
  });

  it('measure similarity from 0 (nothing shared) to 1 (the same words)', () => {
    expect(nameSimilarity('Duct cleaning', 'duct-cleaning')).toBe(1);
    expect(nameSimilarity('Gift card', 'HVAC')).toBe(0);
    const close = nameSimilarity('DUCT-CLEAN', 'Duct cleaning');
    expect(close).toBeGreaterThan(0.5);
    expect(close).toBeLessThan(1);
  });
});

describe('each suggestion reason', () => {
  it('EXACT_NAME: a platform name equals the QuickBooks name', () => {
    const company = snapshot({ items: [item('Labor'), item('Labor hours')] });
    expect(first(company, 'ITEM_KIND:LABOR')).toMatchObject({
      targetName: 'Labor',
      score: 1,
      reasons: ['EXACT_NAME', 'NORMALISED_NAME'],
    });
  });

  it('NORMALISED_NAME: same words once spelling and abbreviations are set aside', () => {
    const company = snapshot({ items: [item('LABOUR - hourly'), item('Labour overtime')] });
    expect(first(company, 'ITEM_KIND:LABOR')).toMatchObject({
      targetName: 'LABOUR - hourly',
      reasons: ['NORMALISED_NAME'],
    });
  });

  it('SKU: the service code equals the SKU, whatever its case and spaces', () => {
    const company = snapshot({
      items: [
        item('Water heater 40 gal', { sku: 'MAT-WH40G' }),
        item('Water heater 50 gal', { sku: ' mat-wh50g ' }),
      ],
    });
    expect(first(company, 'SERVICE_CODE:MAT-WH50G')).toMatchObject({
      targetName: 'Water heater 50 gal',
      score: 0.97,
      reasons: ['SKU'],
    });
  });

  it('SAME_RATE: the tax code whose sales rates add up to the platform rate, exactly', () => {
    const company = snapshot({
      taxCodes: [
        taxCode('TAX', 'TAX', [], { taxable: true }),
        taxCode('NON', 'NON', [], { taxable: false }),
        taxCode('2', 'California', [7.25]),
        taxCode('3', 'San Pablo', [7.25, 1]),
        taxCode('4', 'Tucson', [2, 7.1]),
      ],
    });
    const ranked = rankSuggestions(
      ['TAX_RATE:0.0825', 'TAX_RATE:0.091', 'TAX_RATE:0'].map((sourceKey) => ({ sourceKey })),
      company,
    );
    expect(ranked.map((s) => s.candidates.map((c) => [c.targetName, c.reasons]))).toEqual([
      [['San Pablo', ['SAME_RATE']]],
      // 2 + 7.1 is 9.100000000000001 in binary floating point: compared as decimals it is 9.1.
      [['Tucson', ['SAME_RATE']]],
      // TAX charges whatever the invoice's code says, so it has no rate of its own to compare.
      [['NON', ['SAME_RATE']]],
    ]);
  });

  it('TOKEN_OVERLAP: shared words or letters, scored below every exact reason', () => {
    const company = snapshot({ items: [item('Drain cleaning w/ camera'), item('Gift card')] });
    const [suggestion] = rankSuggestions([{ sourceKey: 'SERVICE_CODE:DRAIN-CAM' }], company);
    expect(suggestion!.candidates).toHaveLength(1);
    expect(suggestion!.candidates[0]).toMatchObject({
      targetName: 'Drain cleaning w/ camera',
      reasons: ['TOKEN_OVERLAP'],
    });
    expect(suggestion!.candidates[0]!.score).toBeLessThan(0.9);
  });
});

describe('what is offered, and in which order', () => {
  it('offers only active objects of the right type', () => {
    const company = snapshot({
      items: [
        item('Labor (old)', { active: false }),
        item('Labor', { type: 'Category', sellable: false }),
        item('Labour'),
      ],
      taxCodes: [
        taxCode('9', 'Old state rate', [7.25], { active: false }),
        taxCode('2', 'California', [7.25]),
      ],
      classes: [{ id: 'c1', name: 'Labor', fullyQualifiedName: 'Labor', active: true }],
    });
    expect(
      rankSuggestions([{ sourceKey: 'ITEM_KIND:LABOR' }], company)[0]!.candidates.map((c) => c.targetName),
    ).toEqual(['Labour']);
    expect(first(company, 'TAX_RATE:0.0725')?.targetName).toBe('California');
  });

  it('ranks exact over normalised over overlap, retired-looking names below their live twins', () => {
    const company = snapshot({
      items: [
        item('Hvac maintenance contract'),
        item('HVAC maintenance (old)'),
        item('hvac maint'),
        item('HVAC-MAINT'),
      ],
    });
    const ranked = rankSuggestions([{ sourceKey: 'SERVICE_CODE:HVAC-MAINT' }], company)[0]!.candidates;
    expect(ranked.map((c) => c.targetName)).toEqual([
      'HVAC-MAINT',
      'hvac maint',
      'HVAC maintenance (old)',
      'Hvac maintenance contract',
    ]);
    const scores = ranked.map((c) => c.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('prefers goods for materials and services for the other kinds when names tie', () => {
    const company = snapshot({
      items: [item('Materials', { type: 'Service' }), item('Material', { type: 'NonInventory' })],
    });
    expect(first(company, 'ITEM_KIND:MATERIAL')?.targetName).toBe('Material');
  });

  it('answers an empty list for a key nothing resembles, and for accounts it cannot name', () => {
    const company = snapshot({ items: [item('Gift card')] });
    expect(
      rankSuggestions([{ sourceKey: 'SERVICE_CODE:ZZZ-999' }, { sourceKey: 'INCOME_ACCOUNT' }], company),
    ).toEqual([
      { sourceKey: 'SERVICE_CODE:ZZZ-999', candidates: [] },
      { sourceKey: 'INCOME_ACCOUNT', candidates: [] },
    ]);
  });

  it('keeps at most `limit` candidates, in an order that does not depend on QuickBooks answer order', () => {
    const items = ['Fee A', 'Fee B', 'Fee C', 'Fee D'].map((name) => item(name));
    const forward = rankSuggestions([{ sourceKey: 'ITEM_KIND:FEE' }], snapshot({ items }), { limit: 3 });
    const backward = rankSuggestions(
      [{ sourceKey: 'ITEM_KIND:FEE' }],
      snapshot({ items: [...items].reverse() }),
      {
        limit: 3,
      },
    );
    expect(forward[0]!.candidates.map((c) => c.targetName)).toEqual(['Fee A', 'Fee B', 'Fee C']);
    expect(backward).toEqual(forward);
  });
});

describe('the mapping status', () => {
  const mapping = (sourceKey: string, status: 'OK' | 'BROKEN' = 'OK'): CurrentMapping => ({
    kind: sourceKey.startsWith('TAX_RATE') ? 'TAX_CODE' : 'ITEM',
    sourceKey,
    targetId: `id-${sourceKey}`,
    status,
    ...(status === 'BROKEN' ? { reason: 'made inactive in QuickBooks' } : {}),
  });
  const invoices = [
    [
      { itemKind: 'LABOR', serviceCode: 'LAB-PLUMB', taxRate: '0' },
      { itemKind: 'MATERIAL', serviceCode: null, taxRate: '8.25' },
    ],
    [{ itemKind: 'LABOR', serviceCode: null, taxRate: '8.25' }],
  ];
  const us = { automatedSalesTax: false };

  it('lists what the invoices use and nothing maps, counted per invoice, most used first', () => {
    expect(mappingStatus(invoices, [], us)).toEqual({
      ready: false,
      unmapped: [
        { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', invoiceCount: 2 },
        { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.0825', invoiceCount: 2 },
        { kind: 'ITEM', sourceKey: 'ITEM_KIND:MATERIAL', invoiceCount: 1 },
        { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0', invoiceCount: 1 },
      ],
      broken: [],
    });
  });

  it("lets a service code's mapping cover its lines, and needs no tax codes under Automated Sales Tax", () => {
    const report = mappingStatus(
      invoices,
      [mapping('SERVICE_CODE:LAB-PLUMB'), mapping('ITEM_KIND:MATERIAL')],
      { automatedSalesTax: true },
    );
    expect(report.unmapped).toEqual([{ kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', invoiceCount: 1 }]);
  });

  it('is ready when everything used is mapped, and not when a used mapping is broken', () => {
    const all = ['ITEM_KIND:LABOR', 'ITEM_KIND:MATERIAL', 'TAX_RATE:0', 'TAX_RATE:0.0825'].map((k) =>
      mapping(k),
    );
    expect(mappingStatus(invoices, all, us)).toEqual({ ready: true, unmapped: [], broken: [] });
    const withBroken = [
      ...all.slice(1),
      mapping('ITEM_KIND:LABOR', 'BROKEN'),
      mapping('ITEM_KIND:FEE', 'BROKEN'),
    ];
    expect(mappingStatus(invoices, withBroken, us)).toEqual({
      ready: false,
      unmapped: [],
      // FEE is broken too, but no invoice uses it: it does not stop the sync.
      broken: [
        {
          kind: 'ITEM',
          sourceKey: 'ITEM_KIND:LABOR',
          invoiceCount: 2,
          targetId: 'id-ITEM_KIND:LABOR',
          reason: 'made inactive in QuickBooks',
        },
      ],
    });
  });

  it('reports a broken service-code mapping instead of quietly falling back to the kind', () => {
    const report = mappingStatus(
      invoices,
      [mapping('SERVICE_CODE:LAB-PLUMB', 'BROKEN'), mapping('ITEM_KIND:LABOR')],
      { automatedSalesTax: true },
    );
    expect(report.broken.map((b) => b.sourceKey)).toEqual(['SERVICE_CODE:LAB-PLUMB']);
    expect(report.ready).toBe(false);
  });
});

describe('reading the invoices from the host', () => {
  const reader = (answer: () => Promise<Response>) =>
    createHostInvoiceReader({ url: 'http://host.test/graphql', fetch: answer });

  it('forwards the caller token and answers the lines per invoice', async () => {
    let authorization: string | null = null;
    const lines = await createHostInvoiceReader({
      url: 'http://host.test/graphql',
      fetch: async (_url, init) => {
        authorization = new Headers(init?.headers).get('authorization');
        return Response.json({
          data: { invoices: [{ lines: [{ itemKind: 'FEE', serviceCode: null, taxRate: '0' }] }] },
        });
      },
    }).linesByInvoice('cust-1', 'caller-token');
    expect(authorization).toBe('Bearer caller-token');
    expect(lines).toEqual([[{ itemKind: 'FEE', serviceCode: null, taxRate: '0' }]]);
  });

  it('fails with a retryable HostReadError on 5xx and network failures, a final one on 4xx, never quoting the token', async () => {
    const outcomes = await Promise.all(
      [
        () => Promise.resolve(new Response('upstream down', { status: 503 })),
        () => Promise.reject(new TypeError('fetch failed')),
        () => Promise.resolve(Response.json({ errors: [{ message: 'bad token' }] }, { status: 401 })),
      ].map((answer) =>
        reader(answer)
          .linesByInvoice('cust-1', 'secret-caller-token')
          .catch((e: unknown) => e),
      ),
    );
    expect(outcomes.map((e) => e instanceof HostReadError && e.retryable)).toEqual([true, true, false]);
    for (const error of outcomes)
      expect(String((error as Error).message)).not.toContain('secret-caller-token');
  });
});
