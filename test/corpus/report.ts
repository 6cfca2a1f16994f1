import type { CompanyResult, CorpusResult } from './run.js';

/** The corpus run as a table, one column per company, and what failed, if anything. */

const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const COUNT = new Intl.NumberFormat('en-US');

const money = (centsValue: number) => MONEY.format(centsValue / 100);
const count = (value: number) => COUNT.format(value);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

type Row = [string, (company: CompanyResult) => string];

const RULE_NAMES: Record<string, string> = {
  PER_LINE_HALF_UP: 'line/up',
  PER_LINE_HALF_EVEN: 'line/even',
  PER_RATE_SUBTOTAL_HALF_UP: 'rate subtotal/up',
  PER_RATE_SUBTOTAL_HALF_EVEN: 'rate subtotal/even',
  PER_COMPONENT_HALF_UP: 'component subtotal/up',
  PER_LINE_PER_COMPONENT_HALF_UP: 'line component/up',
  PER_LINE_PER_COMPONENT_HALF_EVEN: 'line component/even',
};

const ROWS: Row[] = [
  ['invoices / lines', (c) => `${count(c.invoices)} / ${count(c.lines)}`],
  ['of which tax-inclusive', (c) => count(c.taxInclusive)],
  ['payments / credit memos', (c) => `${count(c.payments)} / ${count(c.creditMemos)}`],
  ['platform subtotal', (c) => money(c.platform.subtotalCents)],
  ['platform tax', (c) => money(c.platform.taxCents)],
  ['platform total', (c) => money(c.platform.totalCents)],
  ['platform paid', (c) => money(c.platform.paidCents)],
  ['QuickBooks TotalAmt', (c) => money(c.quickbooks.totalAmtCents)],
  ['QuickBooks TotalTax', (c) => money(c.quickbooks.totalTaxCents)],
  ['QuickBooks Balance', (c) => money(c.quickbooks.balanceCents)],
  ['QuickBooks − platform total', (c) => money(c.quickbooks.totalAmtCents - c.platform.totalCents)],
  [
    'predicted QuickBooks total',
    (c) =>
      c.predictedQuickbooks.totalAmtCents === c.quickbooks.totalAmtCents
        ? 'equal'
        : money(c.predictedQuickbooks.totalAmtCents),
  ],
  ['rows ROUNDING seen / pred.', (c) => `${c.rows.seen.ROUNDING} / ${c.rows.predicted.ROUNDING}`],
  ['rows TAX_RECOMPUTED s / p', (c) => `${c.rows.seen.TAX_RECOMPUTED} / ${c.rows.predicted.TAX_RECOMPUTED}`],
  [
    'other rows seen',
    (c) =>
      String(
        Object.entries(c.rows.seen)
          .filter(([name]) => name !== 'ROUNDING' && name !== 'TAX_RECOMPUTED')
          .reduce((sum, [, n]) => sum + n, 0),
      ),
  ],
  [
    'rounding rules',
    (c) =>
      Object.entries(c.roundingRules)
        .map(([rule, n]) => `${RULE_NAMES[rule] ?? rule} ${n}`)
        .join(', ') || '-',
  ],
  [
    'causes (oracle)',
    (c) =>
      Object.entries(c.causes)
        .filter(([name, n]) => name !== 'NONE' && n > 0)
        .map(([name, n]) => `${name.toLowerCase()} ${n}`)
        .join(', ') || '-',
  ],
  [
    'misclassified (compound rate)',
    (c) => `${c.misclassified.length} (${c.misclassified.filter((row) => row.compound).length})`,
  ],
  ['unexplained rows', (c) => String(c.unexplained.length)],
  ['other problems', (c) => String(c.problems.length)],
  [
    'read calls (reports+re-reads)',
    (c) => `${c.readCalls.summary.reports}+${c.readCalls.summary.rereads} (emulator ${c.readCalls.emulator})`,
  ],
  ['receivable credits', (c) => String(c.receivableCredits)],
  [
    'push: calls / per invoice / 429',
    (c) =>
      `${count(c.pushCalls.requests)} / ${(c.pushCalls.requests / Math.max(1, c.invoices)).toFixed(2)} / ${c.pushCalls.throttled}`,
  ],
  ['push wall (to last synced)', (c) => seconds(c.timings.pushMs)],
  ['bookkeeper writes', (c) => seconds(c.timings.paymentsMs)],
  ['payment sweep', (c) => seconds(c.timings.sweepMs)],
  ['reconciliation', (c) => seconds(c.timings.reconcileMs)],
];

export function formatCorpusResult(result: CorpusResult): string {
  const total = result.companies.reduce((sum, c) => sum + c.invoices, 0);
  const header = ['', ...result.companies.map((c) => c.label)];
  const body = ROWS.map(([name, cell]) => [name, ...result.companies.map(cell)]);
  const widths = header.map((_, column) =>
    Math.max(...[header, ...body].map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  const out = [
    `Accounting corpus: seed ${result.seed}, ${count(total)} invoices, policy ${result.policy}, window ${result.window.from} to ${result.window.to}`,
    '',
    line(header),
    ...body.map(line),
    '',
    `push wall time, all companies: ${seconds(result.pushWallMs)}`,
  ];
  for (const company of result.companies) {
    for (const row of company.unexplained.slice(0, 10)) {
      out.push(
        `UNEXPLAINED ${company.label} ${row.number ?? '(no platform invoice)'}: expected ${JSON.stringify(row.expected)}, seen ${JSON.stringify(row.seen)}`,
      );
    }
    for (const problem of company.problems.slice(0, 10)) out.push(`PROBLEM ${company.label}: ${problem}`);
    for (const row of company.misclassified.slice(0, 5)) {
      out.push(
        `MISCLASSIFIED ${company.label} ${row.number}: QuickBooks' tax ${money(row.theirs)} against ${money(row.ours)} comes from ${row.cause.toLowerCase()}${row.compound ? ' (a code of several rates, rounded rate by rate)' : ''}, reported ${row.class}`,
      );
    }
  }
  out.push(
    result.ok
      ? 'OK: every row predicted and rightly classified, every company equal to the cent'
      : 'FAILED: see UNEXPLAINED, MISCLASSIFIED and PROBLEM above',
  );
  return out.join('\n');
}
