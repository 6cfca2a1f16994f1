/**
 * The accounting corpus in CI (issue 14): a smaller cut of what `npm run corpus` runs, pushed through the
 * real pipeline into the emulator's US manual-tax, US automated-sales-tax, GB and CA companies, partly paid
 * and credited there, pulled back, and reconciled: 160 invoices whose tenants let QuickBooks compute the
 * tax (ACCEPT, where differences arise) and 80 under the product's default of sending the platform's tax
 * (OVERRIDE). Every row the reconciliation reports must be the one the independent oracle predicted, with
 * the same figures and rounding rule, and each company's QuickBooks totals must be the platform's plus
 * those differences, to the cent.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateCorpus } from '../corpus/generate.js';
import type { TaxPolicy } from '../corpus/oracle.js';
import { CorpusRig, runCorpus, type CompanyResult, type CorpusResult } from '../corpus/run.js';

const SEED = 14;
const RUNS: { policy: TaxPolicy; invoices: number }[] = [
  { policy: 'ACCEPT', invoices: 160 },
  { policy: 'OVERRIDE', invoices: 80 },
];

describe('accounting corpus', () => {
  let rig: CorpusRig | undefined;
  const results = new Map<TaxPolicy, CorpusResult>();
  const companies = () =>
    [...results.values()].flatMap((result) =>
      result.companies.map((company) => ({ policy: result.policy, company })),
    );
  const company = (policy: TaxPolicy, kind: CompanyResult['kind']) =>
    results.get(policy)!.companies.find((candidate) => candidate.kind === kind)!;

  beforeAll(async () => {
    rig = await CorpusRig.start();
    for (const { policy, invoices } of RUNS) {
      const corpus = generateCorpus({ seed: SEED, invoices, label: policy });
      results.set(policy, await runCorpus(rig, corpus, { policy, pushTimeoutMs: 240_000 }));
    }
  }, 400_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('pushes every invoice once, and QuickBooks and the push guard hold what the oracle predicted', () => {
    expect(companies()).toHaveLength(8);
    for (const { policy, company } of companies()) {
      expect({ policy, company: company.label, problems: company.problems }).toEqual({
        policy,
        company: company.label,
        problems: [],
      });
    }
  });

  it('reports no row the oracle did not predict, and every predicted row with its figures and rule', () => {
    for (const { policy, company } of companies()) {
      expect({ policy, company: company.label, unexplained: company.unexplained }).toEqual({
        policy,
        company: company.label,
        unexplained: [],
      });
      expect(company.rows.seen).toEqual(company.rows.predicted);
    }
  });

  it('classifies every tax difference by its cause, compound rates rounded per component included', () => {
    for (const { policy, company } of companies()) {
      expect({ policy, company: company.label, misclassified: company.misclassified }).toEqual({
        policy,
        company: company.label,
        misclassified: [],
      });
    }
  });

  it("keeps each company's QuickBooks totals equal to the platform's plus the predicted differences", () => {
    for (const { company } of companies()) {
      expect(company.quickbooks).toEqual(company.predictedQuickbooks);
      if (company.rows.seen.ROUNDING + company.rows.seen.TAX_RECOMPUTED === 0) {
        expect(company.quickbooks.totalAmtCents).toBe(company.platform.totalCents);
        expect(company.quickbooks.totalTaxCents).toBe(company.platform.taxCents);
      }
      // What the platform heard was paid is what QuickBooks' balances lack, to the cent.
      expect(company.quickbooks.totalAmtCents - company.quickbooks.balanceCents).toBe(
        company.platform.paidCents,
      );
    }
  });

  it('exercises what the corpus is for: payments, credit memos, rounding and recomputed tax', () => {
    // GB's VAT codes have one rate each, and QuickBooks rounds per line as the platform does.
    expect(company('ACCEPT', 'GB').rows.seen).toMatchObject({ ROUNDING: 0, TAX_RECOMPUTED: 0 });
    // A tax group's subtotal rounding, AST's rates and item taxability, Quebec's two rates: all show up.
    expect(company('ACCEPT', 'US_MANUAL').rows.seen.ROUNDING).toBeGreaterThan(0);
    expect(company('ACCEPT', 'US_AST').causes.TAXABILITY).toBeGreaterThan(0);
    expect(company('ACCEPT', 'US_AST').rows.seen.ROUNDING).toBeGreaterThan(0);
    expect(company('ACCEPT', 'CA').causes.ROUNDING).toBeGreaterThan(0);
    // QuickBooks rounds each rate of a code with several rates on its own (San Pablo 7.25 + 1, an AST
    // district, GST 5 + QST 9.975): rows the reconciliation must name by those components.
    expect(company('ACCEPT', 'CA').roundingRules.PER_LINE_PER_COMPONENT_HALF_UP).toBeGreaterThan(0);
    expect(company('ACCEPT', 'US_MANUAL').roundingRules.PER_COMPONENT_HALF_UP).toBeGreaterThan(0);
    // Prices including tax go as TaxInclusive with each line's gross, which fixes its tax in QuickBooks.
    for (const policy of ['ACCEPT', 'OVERRIDE'] as const) {
      expect(company(policy, 'GB').taxInclusive).toBeGreaterThan(0);
      expect(company(policy, 'CA').taxInclusive).toBeGreaterThan(0);
    }
    // Sending the platform's tax keeps it everywhere but where AST has nothing to put it on.
    for (const kind of ['US_MANUAL', 'GB', 'CA'] as const) {
      expect(company('OVERRIDE', kind).rows.seen).toMatchObject({ ROUNDING: 0, TAX_RECOMPUTED: 0 });
    }
    expect(company('OVERRIDE', 'US_AST').rows.seen.TAX_RECOMPUTED).toBeGreaterThan(0);
    for (const { company: each } of companies()) {
      expect(each.payments + each.creditMemos).toBeGreaterThan(0);
      expect(each.platform.paidCents).toBeGreaterThan(0);
    }
    expect(companies().reduce((sum, { company: each }) => sum + each.creditMemos, 0)).toBeGreaterThan(0);
  });
});
