/**
 * The sync log in Chromium, through the gateway: one row per attempt with a refused attempt's intuit_tid,
 * the outcome filter, cursor paging, rows arriving live, and an admin dismissing a failed invoice's error
 * with a reason from its row.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gql } from 'graphql-request';
import type { Page } from 'playwright-core';
import type { TokenClaims } from '../../src/auth/dev-tokens.js';
import { connectThroughGateway, createDraftInvoice, mapDemoCompany } from '../e2e/support/quickbooks.js';
import { REALM, refuseInvoiceCreates, startPanel, TENANT, type PanelRig } from './support/panel.js';

const ADMIN: TokenClaims = { userId: 'admin-1', tenants: [TENANT], adminOf: [TENANT] };
const PUSH_TIMEOUT = 60_000;
const LOG_PATH = '/settings/integrations/quickbooks/log';

let rig: PanelRig;
let page: Page;
/** Synced on the first try. */
let synced: { id: string; number: string };
/** Refused by QuickBooks (a 6000 on create): ACTION_REQUIRED. */
let refused: { id: string; number: string };
let refusedTid: string;

async function finalize(id: string): Promise<void> {
  const client = await rig.graph.client(ADMIN);
  await client.request(
    gql`
      mutation FinalizeForLog($id: ID!) {
        finalizeInvoice(id: $id) {
          id
        }
      }
    `,
    { id },
  );
}

async function syncState(id: string): Promise<string | undefined> {
  const client = await rig.graph.client(ADMIN);
  const answer = await client.request<{ invoice: { quickbooksSyncStatus: { state: string } | null } | null }>(
    gql`
      query StateForLog($id: ID!) {
        invoice(id: $id) {
          quickbooksSyncStatus {
            state
          }
        }
      }
    `,
    { id },
  );
  return answer.invoice?.quickbooksSyncStatus?.state;
}

/** Setup only (what the log shows is the test): waits for a push to settle, through the gateway. */
async function settled(id: string, state: string): Promise<void> {
  const deadline = Date.now() + PUSH_TIMEOUT;
  for (;;) {
    if ((await syncState(id)) === state) return;
    if (Date.now() > deadline) throw new Error(`invoice ${id} never reached ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  rig = await startPanel();
  await connectThroughGateway(rig.graph, ADMIN, TENANT, REALM);
  await mapDemoCompany(rig.graph, rig.sandbox, ADMIN, TENANT, REALM);

  synced = await createDraftInvoice(rig.graph, ADMIN, TENANT);
  await finalize(synced.id);
  await settled(synced.id, 'SYNCED');

  const rule = refuseInvoiceCreates(rig.sandbox);
  refused = await createDraftInvoice(rig.graph, ADMIN, TENANT, { name: 'Rosa Delgado' });
  await finalize(refused.id);
  await settled(refused.id, 'ACTION_REQUIRED');
  rig.sandbox.control.clearFaults();
  const faulted = rig.sandbox.control.requests().filter((request) => request.fault === rule.id);
  refusedTid = faulted.at(-1)!.intuitTid;

  page = await rig.newPage();
  await rig.signIn(page, 'admin');
}, 240_000);

afterAll(async () => {
  await rig?.close();
});

const rows = () => page.locator('table.sync-log tbody tr');
const rowsOf = (number: string) =>
  rows().filter({ has: page.getByRole('link', { name: `Invoice ${number}` }) });

async function outcomes(): Promise<string[]> {
  return rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-outcome') ?? ''));
}

describe('the sync log', () => {
  it('lists one row per attempt, the refused one with its reason in words and its intuit_tid', async () => {
    await page.goto(LOG_PATH);
    await page.getByRole('heading', { level: 1, name: 'Sync log' }).waitFor();
    await rowsOf(refused.number).first().waitFor();

    // The synced invoice: one push, succeeded; the refused one: one push, failed.
    expect(await rowsOf(synced.number).count()).toBe(1);
    expect(await rowsOf(synced.number).getAttribute('data-outcome')).toBe('SUCCEEDED');
    const failed = rowsOf(refused.number);
    expect(await failed.count()).toBe(1);
    expect(await failed.getAttribute('data-outcome')).toBe('FAILED');
    const text = (await failed.textContent()) ?? '';
    expect(text).toContain('Failed');
    expect(text).toContain('QuickBooks refused the invoice');
    expect(text).toContain('QUICKBOOKS_VALIDATION');
    expect(await failed.getByTestId('intuit-tid').textContent()).toBe(refusedTid);
    // Where the invoice stands now, and the admin's way out.
    await failed.locator('[data-state="ACTION_REQUIRED"]').waitFor();
    await failed.getByRole('button', { name: `Retry invoice ${refused.number}` }).waitFor();
    await failed.getByRole('button', { name: `Dismiss the error of invoice ${refused.number}` }).waitFor();
    // The customer step of each push has its own rows.
    expect(await rows().filter({ hasText: 'QuickBooks customer' }).count()).toBeGreaterThanOrEqual(2);

    await rig.expectAccessible(page);
    await rig.screenshot(page, 'sync-log');
  });

  it('filters by outcome', async () => {
    const all = (await outcomes()).length;
    await page.getByLabel('Outcome').selectOption({ label: 'Failed' });
    await page.waitForURL(/outcome=FAILED/);
    await rowsOf(refused.number).waitFor();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('table.sync-log tbody tr')].every(
        (tr) => tr.getAttribute('data-outcome') === 'FAILED',
      ),
    );
    expect(new Set(await outcomes())).toEqual(new Set(['FAILED']));
    expect(await rowsOf(synced.number).count()).toBe(0);

    await page.getByLabel('Outcome').selectOption({ label: 'Succeeded' });
    await rowsOf(synced.number).waitFor();
    expect(new Set(await outcomes())).toEqual(new Set(['SUCCEEDED']));
    expect(await rowsOf(refused.number).count()).toBe(0);

    await page.getByLabel('Outcome').selectOption({ label: 'All outcomes' });
    await rowsOf(refused.number).waitFor();
    expect((await outcomes()).length).toBe(all);
  });

  it('pages through the entries by cursor', async () => {
    const all = await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-entry-id')));
    expect(all.length).toBeGreaterThan(2);
    await page.goto(`${LOG_PATH}?first=2`);
    await page.getByRole('heading', { level: 1, name: 'Sync log' }).waitFor();
    await page.getByTestId('log-page').getByText('Page 1').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('table.sync-log tbody tr').length === 2);
    const ids = () => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-entry-id')));
    expect(await ids()).toEqual(all.slice(0, 2));

    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByTestId('log-page').getByText('Page 2').waitFor();
    await page.locator(`tr[data-entry-id="${all[2]}"]`).waitFor();
    expect(await ids()).toEqual(all.slice(2, 4));

    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByTestId('log-page').getByText('Page 1').waitFor();
    await page.locator(`tr[data-entry-id="${all[0]}"]`).waitFor();
    expect(await ids()).toEqual(all.slice(0, 2));
  });

  it('shows a new attempt as it happens, without a reload', async () => {
    await page.goto(LOG_PATH);
    await rowsOf(refused.number).first().waitFor();
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const later = await createDraftInvoice(rig.graph, ADMIN, TENANT, { name: 'Milo Brandt' });
    await finalize(later.id);
    await rowsOf(later.number).first().waitFor({ timeout: PUSH_TIMEOUT });
    await rowsOf(later.number).locator('[data-state="SYNCED"]').first().waitFor({ timeout: PUSH_TIMEOUT });
    expect(await rowsOf(later.number).first().getAttribute('data-outcome')).toBe('SUCCEEDED');
    expect(
      await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument),
    ).toBe(true);
  });

  it('an admin dismisses a failed invoice with a reason, and it turns Not synced', async () => {
    const failed = rowsOf(refused.number);
    await failed.getByRole('button', { name: `Dismiss the error of invoice ${refused.number}` }).click();
    const reason = failed.getByLabel(`Why dismiss the error of invoice ${refused.number}? (required)`);
    await reason.waitFor();
    // No reason, no dismissal: said in words next to the field.
    await failed.getByRole('button', { name: 'Dismiss error' }).click();
    await failed.getByRole('alert').getByText('Say why this error is dismissed').waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    await rig.expectAccessible(page);

    await reason.fill('Sent to QuickBooks by hand by the bookkeeper');
    await failed.getByRole('button', { name: 'Dismiss error' }).click();
    await page
      .locator('.notice-ok[role="status"]')
      .getByText(`Error dismissed: invoice ${refused.number}`)
      .waitFor();
    await failed.locator('[data-state="NOT_SYNCED"]').waitFor();
    expect(await failed.getByRole('button', { name: /Retry/ }).count()).toBe(0);
    expect(await syncState(refused.id)).toBe('NOT_SYNCED');
    expect(rig.browserErrors()).toEqual([]);
  });
});
