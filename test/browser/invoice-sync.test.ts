/**
 * The invoice page in Chromium, through the gateway: an admin finalizes a draft and watches it reach
 * QuickBooks live; a push QuickBooks refuses raises the banner live, in words, with Retry; an unmapped line
 * kind raises an ACTION_REQUIRED banner leading to the mapping page; a member sees the banner without the
 * admin's buttons. The invoice list shows the states too.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gql } from 'graphql-request';
import type { Page } from 'playwright-core';
import type { TokenClaims } from '../../src/auth/dev-tokens.js';
import { connectThroughGateway, createDraftInvoice, mapDemoCompany } from '../e2e/support/quickbooks.js';
import { REALM, refuseInvoiceCreates, startPanel, TENANT, type PanelRig } from './support/panel.js';

const ADMIN: TokenClaims = { userId: 'admin-1', tenants: [TENANT], adminOf: [TENANT] };
const MEMBER: TokenClaims = { userId: 'member-1', tenants: [TENANT] };
/** A push takes the debounce, a worker pick-up and a few emulator calls; the machine is shared. */
const PUSH_TIMEOUT = 60_000;

let rig: PanelRig;
let page: Page;
/** The invoice whose push QuickBooks refused, and then accepted on Retry. */
let refused: { id: string; number: string };
/** The invoice with an unmapped FEE line, left in ACTION_REQUIRED for the member. */
let unmapped: { id: string; number: string };

beforeAll(async () => {
  rig = await startPanel();
  await connectThroughGateway(rig.graph, ADMIN, TENANT, REALM);
  await mapDemoCompany(rig.graph, rig.sandbox, ADMIN, TENANT, REALM);
  page = await rig.newPage();
  await rig.signIn(page, 'admin');
}, 180_000);

afterAll(async () => {
  await rig?.close();
});

const pill = () => page.getByTestId('invoice-sync-pill').locator('[data-state]');
const banner = () => page.getByTestId('sync-error-banner');

/** Records every data-state the invoice page's pill takes, in the page itself (a reload would lose it). */
async function watchPill(): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __states: string[] };
    w.__states = [];
    const record = () => {
      const state = document
        .querySelector('[data-testid="invoice-sync-pill"] [data-state]')
        ?.getAttribute('data-state');
      if (state && w.__states.at(-1) !== state) w.__states.push(state);
    };
    record();
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ['data-state'],
    });
  });
}

async function statesSeen(): Promise<string[] | undefined> {
  return page.evaluate(() => (window as unknown as { __states?: string[] }).__states);
}

async function openInvoice(invoice: { id: string; number: string }): Promise<void> {
  await page.goto(`/invoices/${invoice.id}`);
  await page.getByRole('heading', { level: 1, name: `Invoice ${invoice.number}` }).waitFor();
}

/** Waits until the polite live region has said `text` (it is visually hidden, so only attached). */
async function announced(text: string): Promise<void> {
  await page.getByTestId('announcer').filter({ hasText: text }).waitFor({ state: 'attached' });
}

describe('an invoice and its QuickBooks sync, live', () => {
  it('the admin finalizes a draft and watches it go QUEUED then SYNCED without a reload', async () => {
    const draft = await createDraftInvoice(rig.graph, ADMIN, TENANT);
    await openInvoice(draft);
    expect(await page.getByTestId('invoice-status').textContent()).toBe('Draft');
    await pill().waitFor();
    expect(await pill().getAttribute('data-state')).toBe('NOT_SYNCED');
    // Lines and totals, as the host has them (2.5 × 96 + 3 × 4.99 at 8.25 %).
    await page.getByRole('cell', { name: 'Repair labor' }).waitFor();
    // The totals' own figure (the payments section names the total and the balance too).
    await page.locator('dl.totals').getByText('$276.01').waitFor();
    await watchPill();

    await page.getByRole('button', { name: 'Finalize' }).click();
    await page
      .locator('.notice-ok[role="status"]')
      .getByText(`Invoice ${draft.number} is finalized`)
      .waitFor();
    await page.getByTestId('invoice-status').getByText('Finalized').waitFor();
    await page
      .getByTestId('invoice-sync-pill')
      .locator('[data-state="SYNCED"]')
      .waitFor({ timeout: PUSH_TIMEOUT });

    const seen = await statesSeen();
    expect(seen).toBeDefined(); // still the same document: no reload, no navigation
    expect(seen![0]).toBe('NOT_SYNCED');
    expect(seen).toContain('QUEUED');
    expect(seen!.at(-1)).toBe('SYNCED');
    expect(seen!.indexOf('QUEUED')).toBeLessThan(seen!.indexOf('SYNCED'));
    expect(await pill().textContent()).toBe('In QuickBooks');

    const link = page.getByRole('link', { name: /Open in QuickBooks/ });
    await link.waitFor();
    expect(await link.getAttribute('href')).toMatch(/^https?:\/\/.+/);
    // The emulator's company numbers invoices itself (custom transaction numbers off): QuickBooks' own number.
    expect(await page.getByTestId('quickbooks-doc-number').textContent()).toMatch(/\S/);
    await announced(`Invoice ${draft.number} is now in QuickBooks.`);
    // The preview now says what a push would send: ready, with the payload in a disclosure.
    await page.getByTestId('preview-ready').waitFor();
    expect(await banner().count()).toBe(0);

    await rig.expectAccessible(page);
    await rig.screenshot(page, 'invoice-synced');
  });

  it('a push QuickBooks refuses raises the banner live in words; after the fix, Retry syncs it', async () => {
    const rule = refuseInvoiceCreates(rig.sandbox);
    refused = await createDraftInvoice(rig.graph, ADMIN, TENANT, { name: 'Rosa Delgado' });
    await openInvoice(refused);
    await watchPill();
    await page.getByRole('button', { name: 'Finalize' }).click();

    await banner().waitFor({ timeout: PUSH_TIMEOUT });
    expect(await banner().getAttribute('role')).toBe('alert');
    expect(await banner().textContent()).toContain('QuickBooks refused the invoice');
    expect(await pill().getAttribute('data-state')).toBe('ACTION_REQUIRED');
    // Arrived live: the observer installed before Finalize (lost on any reload) saw the state change.
    expect(await statesSeen()).toContain('ACTION_REQUIRED');
    // The nav's count of invoices needing someone follows live too.
    await page.getByTestId('needs-attention').getByText('1 needs attention').waitFor();
    await banner().getByRole('button', { name: 'Retry' }).waitFor();
    await banner().getByRole('button', { name: 'Dismiss' }).waitFor();
    // The server's own words and Intuit's transaction id, for support.
    const tids = rig.sandbox.control
      .requests()
      .filter((request) => request.fault === rule.id)
      .map((request) => request.intuitTid);
    expect(tids.length).toBeGreaterThan(0);
    await banner().getByText('Details for support').click();
    await banner().getByText(tids.at(-1)!).waitFor();
    expect(await banner().textContent()).toContain('6000');
    await announced(`Invoice ${refused.number}: Needs attention.`);
    await rig.expectAccessible(page);
    await rig.screenshot(page, 'invoice-banner');

    rig.sandbox.control.clearFaults();
    await banner().getByRole('button', { name: 'Retry' }).click();
    await page.locator('.notice-ok[role="status"]').getByText('Retry started').waitFor();
    await banner().waitFor({ state: 'detached', timeout: PUSH_TIMEOUT });
    await page
      .getByTestId('invoice-sync-pill')
      .locator('[data-state="SYNCED"]')
      .waitFor({ timeout: PUSH_TIMEOUT });
    await page.getByRole('link', { name: /Open in QuickBooks/ }).waitFor();
    await page.getByTestId('needs-attention').waitFor({ state: 'detached' });
  });

  it('an unmapped line kind stops the push with a banner that leads to the mapping page', async () => {
    const client = await rig.graph.client(ADMIN);
    const { createInvoice } = await client.request<{ createInvoice: { id: string; number: string } }>(
      gql`
        mutation CreateFeeInvoice($input: CreateInvoiceInput!) {
          createInvoice(input: $input) {
            id
            number
          }
        }
      `,
      {
        input: {
          customerId: TENANT,
          billTo: { name: 'Priya Natarajan', email: 'priya@example.com' },
          lines: [
            {
              description: 'Repair labor',
              itemKind: 'LABOR',
              quantity: '1',
              unitPrice: '96',
              taxRate: '8.25',
            },
            {
              description: 'Call-out fee',
              itemKind: 'FEE',
              quantity: '1',
              unitPrice: '45',
              taxRate: '8.25',
            },
          ],
        },
      },
    );
    unmapped = createInvoice;
    await openInvoice(unmapped);
    // Before anything is sent, the preview already names the blocking problem.
    await page.getByTestId('preview-problems').getByText(/FEE/).first().waitFor();
    await page.getByRole('button', { name: 'Finalize' }).click();

    await banner().waitFor({ timeout: PUSH_TIMEOUT });
    expect(await pill().getAttribute('data-state')).toBe('ACTION_REQUIRED');
    expect(await banner().getAttribute('data-error-code')).toBe('MAPPING_MISSING');
    expect(await banner().textContent()).toContain('not mapped to QuickBooks');
    const toMapping = banner().getByRole('link', { name: 'Open the QuickBooks mapping' });
    await toMapping.click();
    await page.waitForURL('**/settings/integrations/quickbooks/mapping');
    await page.getByRole('heading', { level: 1 }).waitFor();
  });

  it('the invoice list shows every invoice with its QuickBooks state, each number linking to its page', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invoices' }).click();
    await page.getByRole('heading', { level: 1, name: 'Invoices' }).waitFor();
    const row = (id: string) => page.locator(`tr[data-invoice-id="${id}"]`);
    await row(refused.id).locator('[data-state="SYNCED"]').waitFor();
    await row(unmapped.id).locator('[data-state="ACTION_REQUIRED"]').waitFor();
    expect(await row(unmapped.id).textContent()).toContain('Priya Natarajan');
    await rig.expectAccessible(page);
    await row(unmapped.id).getByRole('link', { name: unmapped.number }).click();
    await page.getByRole('heading', { level: 1, name: `Invoice ${unmapped.number}` }).waitFor();
  });

  it('a member opening a failed invoice sees the banner without Retry or Dismiss', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await rig.signIn(page, 'member');
    await openInvoice(unmapped);
    await banner().waitFor();
    expect(await banner().textContent()).toContain('not mapped to QuickBooks');
    expect(await banner().textContent()).toContain('An admin of this account can retry or dismiss it.');
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Dismiss' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Finalize' }).count()).toBe(0);
    await rig.expectAccessible(page);
    // Hiding the buttons is a courtesy: the server refuses a member's retry and dismiss itself.
    const member = await rig.graph.client(MEMBER);
    for (const mutation of [
      gql`
        mutation MemberRetry($customerId: ID!, $invoiceId: ID!) {
          retryQuickBooksSync(customerId: $customerId, invoiceId: $invoiceId) {
            state
          }
        }
      `,
      gql`
        mutation MemberDismiss($customerId: ID!, $invoiceId: ID!) {
          dismissQuickBooksSyncError(customerId: $customerId, invoiceId: $invoiceId, reason: "not mine") {
            state
          }
        }
      `,
    ]) {
      const refusal = await member.request(mutation, { customerId: TENANT, invoiceId: unmapped.id }).then(
        () => null,
        (error: { response?: { errors?: { extensions?: { code?: string } }[] } }) => error,
      );
      expect(refusal?.response?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    // Still waiting for a person, as the member's page says.
    await page.reload();
    await banner().waitFor();
    expect(rig.browserErrors()).toEqual([]);
  });
});
