/**
 * The Reconciliation page in Chromium, through the gateway: an admin compares the invoices sent to the
 * QuickBooks emulator and QuickBooks agrees on all of them; then a bookkeeper changes some in QuickBooks (an
 * amount, the tax, a void, a payment the pull never brings back), the admin runs again, follows the run
 * while QuickBooks is slow to answer, and reads the summary and the rows with both sides' figures; dismisses
 * one with a reason and accepts QuickBooks' figure on another; a member reads the same rows without a button.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gql } from 'graphql-request';
import type { Page } from 'playwright-core';
import type { TokenClaims } from '../../src/auth/dev-tokens.js';
import { connectThroughGateway, createDraftInvoice, mapDemoCompany } from '../e2e/support/quickbooks.js';
import { Bookkeeper } from '../support/bookkeeper.js';
import { eventually } from '../support/harness.js';
import { REALM, startPanel, TENANT, type PanelRig } from './support/panel.js';

const ADMIN: TokenClaims = { userId: 'admin-1', tenants: [TENANT], adminOf: [TENANT] };
const PUSH_TIMEOUT = 60_000;
/** A worker pick-up, two reports (one held on purpose) and a re-read; the machine is shared. */
const RUN_TIMEOUT = 60_000;
/** How long the emulator holds the run's invoice report, so the run is seen in progress. */
const SLOW_REPORT_MS = 3000;
const RECONCILIATION_PATH = '/settings/integrations/quickbooks/reconciliation';

interface Pushed {
  id: string;
  number: string;
  quickbooksInvoiceId: string;
}

let rig: PanelRig;
let page: Page;
let invoices: { untouched: Pushed; edited: Pushed; taxed: Pushed; voided: Pushed; paidThere: Pushed };

async function finalize(id: string): Promise<void> {
  const client = await rig.graph.client(ADMIN);
  await client.request(
    gql`
      mutation FinalizeForReconciliation($id: ID!) {
        finalizeInvoice(id: $id) {
          id
        }
      }
    `,
    { id },
  );
}

/** Setup only: waits for an invoice to reach QuickBooks, through the gateway, and returns its QuickBooks Id. */
async function syncedId(id: string): Promise<string> {
  const client = await rig.graph.client(ADMIN);
  const deadline = Date.now() + PUSH_TIMEOUT;
  for (;;) {
    const { invoice } = await client.request<{
      invoice: { quickbooksSyncStatus: { state: string; quickbooksInvoiceId: string | null } | null } | null;
    }>(
      gql`
        query SyncedForReconciliation($id: ID!) {
          invoice(id: $id) {
            quickbooksSyncStatus {
              state
              quickbooksInvoiceId
            }
          }
        }
      `,
      { id },
    );
    const status = invoice?.quickbooksSyncStatus;
    if (status?.state === 'SYNCED' && status.quickbooksInvoiceId) return status.quickbooksInvoiceId;
    if (Date.now() > deadline)
      throw new Error(
        `invoice ${id} never reached QuickBooks (last seen: ${JSON.stringify(status ?? null)})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function pushed(customer: string): Promise<Pushed> {
  const draft = await createDraftInvoice(rig.graph, ADMIN, TENANT, { name: customer });
  await finalize(draft.id);
  return { ...draft, quickbooksInvoiceId: await syncedId(draft.id) };
}

beforeAll(async () => {
  rig = await startPanel();
  await connectThroughGateway(rig.graph, ADMIN, TENANT, REALM);
  await mapDemoCompany(rig.graph, rig.sandbox, ADMIN, TENANT, REALM);
  // Payments recorded in QuickBooks stay there, so one paid there is a difference the run must find.
  const client = await rig.graph.client(ADMIN);
  await client.request(
    gql`
      mutation PullPaymentsOff($customerId: ID!) {
        updateQuickBooksSettings(customerId: $customerId, input: { pullPayments: false }) {
          pullPayments
        }
      }
    `,
    { customerId: TENANT },
  );
  // One after another: five pushes at once burst past the company's request budget, and one CI run saw an
  // invoice still not in QuickBooks after a minute.
  const made: Pushed[] = [];
  for (const name of ['Dana Whitfield', 'Rosa Delgado', 'Milo Brandt', 'Ines Okafor', 'Tom Lindqvist'])
    made.push(await pushed(name));
  const [untouched, edited, taxed, voided, paidThere] = made;
  invoices = {
    untouched: untouched!,
    edited: edited!,
    taxed: taxed!,
    voided: voided!,
    paidThere: paidThere!,
  };
  page = await rig.newPage();
  await rig.signIn(page, 'admin');
}, 240_000);

afterAll(async () => {
  await rig?.close();
});

/** YYYY-MM-DD in UTC, `daysAgo` days before now. */
function utcDate(daysAgo = 0): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

/** The changes a bookkeeper makes in QuickBooks itself, as test/integration/reconciliation.test.ts makes them. */
async function changeInQuickBooks(): Promise<void> {
  const { sandbox } = rig;
  const current = (id: string) =>
    sandbox.control.getEntity(REALM, 'Invoice', id) as {
      Line: Record<string, unknown>[];
      CustomerRef: { value: string };
      TxnTaxDetail: { TxnTaxCodeRef: unknown };
    };
  // The labour line raised by 10.00.
  const { edited, taxed, voided, paidThere } = invoices;
  const lines = current(edited.quickbooksInvoiceId).Line.filter(
    (line) => line.DetailType === 'SalesItemLineDetail',
  );
  const first = lines[0]! as { Amount: number; SalesItemLineDetail: { Qty: number; UnitPrice: number } };
  sandbox.control.adminEditInvoice(REALM, edited.quickbooksInvoiceId, {
    Line: [
      {
        ...first,
        Amount: first.Amount + 10,
        SalesItemLineDetail: { ...first.SalesItemLineDetail, Qty: 1, UnitPrice: first.Amount + 10 },
      },
      ...lines.slice(1),
    ],
  });
  // The tax overridden to 99.00.
  sandbox.control.adminEditInvoice(REALM, taxed.quickbooksInvoiceId, {
    TxnTaxDetail: {
      TxnTaxCodeRef: current(taxed.quickbooksInvoiceId).TxnTaxDetail.TxnTaxCodeRef,
      TotalTax: 99,
    },
  });
  sandbox.control.adminEditInvoice(REALM, voided.quickbooksInvoiceId, { action: 'void' });
  await new Bookkeeper(sandbox).write(REALM, 'Payment', {
    CustomerRef: current(paidThere.quickbooksInvoiceId).CustomerRef,
    TotalAmt: 50,
    Line: [{ Amount: 50, LinkedTxn: [{ TxnId: paidThere.quickbooksInvoiceId, TxnType: 'Invoice' }] }],
  });
}

const main = () => page.getByRole('main');
const runButton = () => main().getByRole('button', { name: 'Run reconciliation' });
const progress = () => page.getByTestId('reconciliation-progress');
const summary = () => page.getByTestId('reconciliation-summary');
const rowOf = (invoice: Pushed) =>
  page.locator(`table.reconciliation-rows tr[data-invoice-id="${invoice.id}"]`);

async function figures(invoice: Pushed, side: 'platform' | 'quickbooks'): Promise<string[]> {
  return rowOf(invoice).getByTestId(`${side}-figure`).allTextContents();
}

describe('the Reconciliation page', () => {
  it('an admin runs one over the last 31 days and QuickBooks agrees on every invoice', async () => {
    await main().getByRole('heading', { level: 1, name: 'QuickBooks' }).waitFor();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Reconciliation' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Reconciliation' }).waitFor();
    await page.getByTestId('no-reconciliation').waitFor();
    expect(await main().getByLabel('From').inputValue()).toBe(utcDate(30));
    expect(await main().getByLabel('To').inputValue()).toBe(utcDate(0));

    // A period that ends before it starts: refused, said in words, with the server's code.
    await main().getByLabel('From').fill(utcDate(0));
    await main().getByLabel('To').fill(utcDate(3));
    await runButton().click();
    const refusal = main().locator('[role="alert"][data-error-code="BAD_USER_INPUT"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('"From" must be a date on or before "To"');

    await main().getByLabel('From').fill(utcDate(30));
    await main().getByLabel('To').fill(utcDate(0));
    await runButton().click();
    const agrees = page.getByTestId('reconciliation-agrees');
    await agrees.waitFor({ timeout: RUN_TIMEOUT });
    expect(await agrees.textContent()).toBe('QuickBooks agrees with the platform on all 5 invoices.');
    expect(await refusal.count()).toBe(0);
    expect(await summary().getByTestId('invoices-compared').textContent()).toBe('5');
    expect(await summary().getByTestId('at-stake').textContent()).toBe('$0.00');
    // The invoice report and the receivables report; nothing differed, so nothing was read again.
    expect(await summary().getByTestId('read-calls').textContent()).toBe(
      '2 reports, 0 re-reads of invoices that differ',
    );
    expect(await page.locator('table.reconciliation-rows').count()).toBe(0);
    await rig.expectAccessible(page);
  });

  it('after changes in QuickBooks, the admin follows the run, then reads both figures of every difference', async () => {
    await changeInQuickBooks();
    // QuickBooks answers the run's invoice report slowly: long enough to see the run in progress.
    rig.sandbox.control.injectLatency({
      match: { path: '/reports/TransactionList' },
      times: 1,
      fixedMs: SLOW_REPORT_MS,
    });
    await runButton().click();
    await progress().getByText('Comparing invoices with QuickBooks…').waitFor();
    expect(await progress().getAttribute('role')).toBe('status');
    expect(await progress().getAttribute('data-state')).toBe('RUNNING');
    expect(await page.getByTestId('reconciliation-agrees').count()).toBe(0);
    // The worker's step arrives over the subscription while the report is slow: the phase is named.
    const phase = progress().locator('[data-testid="reconciliation-phase"][data-phase="READING_REPORTS"]');
    await phase.waitFor({ timeout: RUN_TIMEOUT });
    expect(await phase.textContent()).toBe("Reading QuickBooks' invoice report");

    // A second run while this one goes: refused in words.
    await runButton().click();
    const running = main().locator('[role="alert"][data-error-code="QUICKBOOKS_RECONCILIATION_RUNNING"]');
    await running.waitFor();
    expect(await running.textContent()).toContain('A reconciliation is already running.');

    // The run finishes by itself; the page follows it without a reload.
    await page.locator('table.reconciliation-rows').waitFor({ timeout: RUN_TIMEOUT });
    expect(await progress().count()).toBe(0);
    // The run that stood in the way is over: its refusal no longer shows.
    expect(await running.count()).toBe(0);
    expect(await summary().getByTestId('invoices-compared').textContent()).toBe('5');
    // The second run also asks QuickBooks' change log what changed since the first one started.
    expect(await summary().getByTestId('read-calls').textContent()).toBe(
      '2 reports, 1 re-read of invoices that differ, 1 read of what changed since the last run',
    );
    const counts = await summary()
      .getByTestId('class-counts')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-class'), tr.textContent]));
    expect(counts).toEqual([
      ['STATUS', 'Voided or deleted on one side1'],
      ['AMOUNT', 'Amount differs1'],
      ['TAX_RECOMPUTED', 'Tax changed in QuickBooks1'],
      ['BALANCE', 'Payments differ1'],
    ]);
    await summary().getByText('No customer holds a credit in QuickBooks').waitFor();

    const { untouched, edited, taxed, voided, paidThere } = invoices;
    expect(await rowOf(untouched).count()).toBe(0);
    // Most money at stake first: the tax (77.96), the payment (50.00), the amount, the void (no money).
    const order = await page
      .locator('table.reconciliation-rows tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-invoice-id')));
    expect(order).toEqual([taxed.id, paidThere.id, edited.id, voided.id]);

    expect(await rowOf(taxed).getAttribute('data-class')).toBe('TAX_RECOMPUTED');
    expect(await figures(taxed, 'platform')).toEqual(['Tax $21.04']);
    expect(await figures(taxed, 'quickbooks')).toEqual(['Tax $99.00']);
    expect(await rowOf(taxed).getByTestId('row-at-stake').textContent()).toBe('$77.96');
    expect(await rowOf(taxed).textContent()).toContain('no rounding rule explains it');

    expect(await rowOf(paidThere).getAttribute('data-class')).toBe('BALANCE');
    expect(await figures(paidThere, 'platform')).toEqual(['Paid $0.00']);
    expect(await figures(paidThere, 'quickbooks')).toEqual(['Paid $50.00']);

    expect(await rowOf(edited).getAttribute('data-class')).toBe('AMOUNT');
    expect((await figures(edited, 'platform'))[0]).toBe('Before tax $254.97');
    expect((await figures(edited, 'quickbooks'))[0]).toBe('Before tax $264.97');

    expect(await rowOf(voided).getAttribute('data-class')).toBe('STATUS');
    expect(await figures(voided, 'platform')).toEqual(['—']);
    expect(await figures(voided, 'quickbooks')).toEqual(['—']);
    expect(await rowOf(voided).textContent()).toContain(
      'voided in QuickBooks, still finalized in the platform',
    );

    // Each row links to its invoice and offers what the server says can be done.
    const link = rowOf(voided).getByRole('link', { name: `Invoice ${voided.number}` });
    expect(await link.getAttribute('href')).toBe(`/invoices/${voided.id}`);
    const buttons = async (invoice: Pushed) =>
      (await rowOf(invoice).getByRole('button').allTextContents()).map((text) => text.trim());
    expect(await buttons(taxed)).toEqual(['Re-push', "Accept QuickBooks' figure", 'Dismiss']);
    expect(await buttons(paidThere)).toEqual(['Sync payments', 'Dismiss']);
    expect(await buttons(voided)).toEqual(['Re-push', 'Dismiss']);
    // All four fit on the first page.
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    expect(await page.getByTestId('rows-shown').textContent()).toBe('4 rows shown');

    await rig.expectAccessible(page);
    await rig.screenshot(page, 'reconciliation');
  });

  it('an admin dismisses a row and accepts QuickBooks’ figure on another, each with a reason', async () => {
    const { voided, taxed } = invoices;
    const row = rowOf(voided);
    await row.getByRole('button', { name: `Dismiss the difference on invoice ${voided.number}` }).click();
    const reason = row.getByLabel(`Why dismiss the difference on invoice ${voided.number}? (required)`);
    await reason.waitFor();
    // Too short to say anything: refused next to the field.
    await reason.fill('ok');
    await row.getByRole('button', { name: 'Dismiss', exact: true }).click();
    await row.getByRole('alert').getByText('Write a reason of at least 3 characters').waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    await rig.expectAccessible(page);

    await reason.fill('Voided in QuickBooks on purpose; the platform invoice is voided next');
    await row.getByRole('button', { name: 'Dismiss', exact: true }).click();
    const dismissal = row.getByTestId('row-dismissed');
    await dismissal.waitFor();
    expect(await dismissal.getAttribute('data-accepted')).toBe('false');
    const said = (await dismissal.textContent()) ?? '';
    expect(said).toMatch(/^Dismissed by dev-admin on .+: /);
    expect(said).toContain('Voided in QuickBooks on purpose; the platform invoice is voided next');
    expect(await row.getByRole('button').count()).toBe(0);
    await page
      .getByTestId('row-action-done')
      .getByText(`The difference on invoice ${voided.number} is dismissed.`)
      .waitFor();

    const taxedRow = rowOf(taxed);
    await taxedRow
      .getByRole('button', { name: `Accept QuickBooks' figure for invoice ${taxed.number}` })
      .click();
    await taxedRow
      .getByLabel(`Why is QuickBooks' figure right for invoice ${taxed.number}? (required)`)
      .fill('The county rate changed; QuickBooks has the right tax');
    await taxedRow.getByRole('button', { name: "Accept QuickBooks' figure" }).click();
    const accepted = taxedRow.getByTestId('row-dismissed');
    await accepted.waitFor();
    expect(await accepted.getAttribute('data-accepted')).toBe('true');
    expect(await accepted.textContent()).toMatch(
      /^QuickBooks' figure accepted by dev-admin on .+: The county rate changed; QuickBooks has the right tax$/,
    );

    // Kept by the server: a fresh page shows both decisions.
    await page.reload();
    await rowOf(voided).getByTestId('row-dismissed').waitFor();
    await rowOf(taxed).getByTestId('row-dismissed').waitFor();
    expect(await rowOf(voided).getByRole('button').count()).toBe(0);
    expect(await rowOf(taxed).getByRole('button').count()).toBe(0);
    await rig.expectAccessible(page);
  });

  it("an admin re-pushes the invoice changed in QuickBooks: QuickBooks gets the platform's version back", async () => {
    const { edited } = invoices;
    const beforeTaxInQuickBooks = () => {
      const stored = rig.sandbox.control.getEntity(REALM, 'Invoice', edited.quickbooksInvoiceId) as {
        Line: { DetailType?: string; Amount: number }[];
      };
      const lines = stored.Line.filter((line) => line.DetailType === 'SalesItemLineDetail');
      return lines.reduce((sum, line) => sum + line.Amount, 0).toFixed(2);
    };
    expect(beforeTaxInQuickBooks()).toBe('264.97');
    // The server takes a re-push of an invoice it holds as SYNCED (the row's REPUSH): no refusal.
    await rowOf(edited)
      .getByRole('button', { name: `Re-push invoice ${edited.number}` })
      .click();
    await page
      .getByTestId('row-action-done')
      .getByText(`Re-push started: invoice ${edited.number} is being sent to QuickBooks again.`)
      .waitFor();
    expect(await rowOf(edited).getByRole('alert').count()).toBe(0);
    await eventually(async () => (beforeTaxInQuickBooks() === '254.97' ? true : undefined), PUSH_TIMEOUT);
  });

  it('a member reads the rows and the decisions, without a button to run or fix anything', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await rig.signIn(page, 'member');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Reconciliation' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Reconciliation' }).waitFor();
    await page.locator('table.reconciliation-rows').waitFor();
    expect(await page.locator('table.reconciliation-rows tbody tr').count()).toBe(4);
    expect(await figures(invoices.paidThere, 'quickbooks')).toEqual(['Paid $50.00']);
    await rowOf(invoices.voided).getByTestId('row-dismissed').waitFor();
    expect(await main().getByRole('button').count()).toBe(0);
    expect(await main().getByLabel('From').count()).toBe(0);
    await rig.expectAccessible(page);

    // Two rows a page: "Load more" appends the next two, in the same order, then has nothing left to load.
    const ids = () =>
      page
        .locator('table.reconciliation-rows tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row-id')));
    const all = await ids();
    await page.goto(`${RECONCILIATION_PATH}?first=2`);
    await page.getByTestId('rows-shown').getByText('2 rows shown').waitFor();
    expect(await ids()).toEqual(all.slice(0, 2));
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByTestId('rows-shown').getByText('4 rows shown').waitFor();
    expect(await ids()).toEqual(all);
    await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'detached' });
    expect(rig.browserErrors()).toEqual([]);
  });
});
