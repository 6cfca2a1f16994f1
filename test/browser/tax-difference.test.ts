/**
 * The tax-parity guard in Chromium, through the gateway, on the emulator's US company with automated sales
 * tax (AST) on: under the ACCEPT tax setting a pushed invoice shows QuickBooks' tax beside the platform's,
 * live; the admin switches the setting to OVERRIDE in the settings form and pushes again, and the invoice is
 * simply in QuickBooks. Under STOP the push is held with the tax banner alone; the admin accepts QuickBooks'
 * tax with a reason and a member reads the result without a button. With sales tax off in QuickBooks the
 * preview predicts a HIGH risk before anything is sent, and AST turned off warns the admins on the overview.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gql } from 'graphql-request';
import type { Page } from 'playwright-core';
import type { TokenClaims } from '../../src/auth/dev-tokens.js';
import { connectThroughGateway, createDraftInvoice } from '../e2e/support/quickbooks.js';
import { REALM, startPanel, TENANT, type PanelRig } from './support/panel.js';

const ADMIN: TokenClaims = { userId: 'admin-1', tenants: [TENANT], adminOf: [TENANT] };
/** A push takes the debounce, a worker pick-up and a few emulator calls; the machine is shared. */
const PUSH_TIMEOUT = 60_000;
/** QUICKBOOKS_PUSH_CONTEXT_CACHE_MS as the panel rig's worker runs with it (the default). */
const PUSH_CONTEXT_CACHE_MS = 5000;
/** The demo draft's tax: 240.00 of labour and 14.97 of fittings at 8.25 %, rounded per line. */
const PLATFORM_TAX = '$21.04';

let rig: PanelRig;
let page: Page;
/** The invoice the ACCEPT setting left SYNCED_WITH_DIFFERENCES, then pushed again under OVERRIDE. */
let accepted: { id: string; number: string };
/** The invoice the STOP setting held, whose tax the admin accepts. */
let held: { id: string; number: string };
/** When the test saw the worker's last push settle: its read of the tenant's settings was before that. */
let lastPushSeenAt = 0;

/**
 * A worker reuses a tenant's settings for QUICKBOOKS_PUSH_CONTEXT_CACHE_MS after a push reads them (an
 * admin's retry reads them fresh; a platform notification does not): a finalize sooner than that after the
 * tax setting changed would still run under the old one, as designed. Waits until the last push's read has
 * expired (measured from when the test saw that push settle, which is after the read), not a moment longer.
 */
async function untilWorkerRereadsSettings(): Promise<void> {
  const wait = lastPushSeenAt + PUSH_CONTEXT_CACHE_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

async function graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const client = await rig.graph.client(ADMIN);
  return client.request<T>(query, variables);
}

async function setTaxSetting(policy: 'OVERRIDE' | 'ACCEPT' | 'STOP'): Promise<void> {
  await graphql(
    gql`
      mutation TaxSetting($customerId: ID!, $policy: QuickBooksTaxDifferencePolicy!) {
        updateQuickBooksSettings(customerId: $customerId, input: { taxDifferences: $policy }) {
          taxDifferences
        }
      }
    `,
    { customerId: TENANT, policy },
  );
}

/** What an admin's "Refresh from QuickBooks" does: the company's settings and lists read again. */
async function refreshReferenceData(): Promise<void> {
  await graphql(
    gql`
      mutation RefreshForTax($customerId: ID!) {
        refreshQuickBooksReferenceData(customerId: $customerId) {
          asOf
        }
      }
    `,
    { customerId: TENANT },
  );
}

/** The tax QuickBooks (the emulator) holds on the invoice it has for one of ours, as the panel writes it. */
async function quickbooksTax(invoiceId: string): Promise<string> {
  const { invoice } = await graphql<{
    invoice: { quickbooksSyncStatus: { quickbooksInvoiceId: string | null } | null };
  }>(
    gql`
      query QuickBooksIdForTax($id: ID!) {
        invoice(id: $id) {
          quickbooksSyncStatus {
            quickbooksInvoiceId
          }
        }
      }
    `,
    { id: invoiceId },
  );
  const id = invoice.quickbooksSyncStatus?.quickbooksInvoiceId;
  if (!id) throw new Error(`invoice ${invoiceId} has no QuickBooks invoice`);
  const stored = rig.sandbox.control.getEntity(REALM, 'Invoice', id) as {
    TxnTaxDetail?: { TotalTax?: number };
  };
  return `$${(stored.TxnTaxDetail?.TotalTax ?? 0).toFixed(2)}`;
}

beforeAll(async () => {
  rig = await startPanel();
  // Automated sales tax before anything reads the company, as a company set up that way connects.
  rig.sandbox.control.setCompanyPreferences(REALM, { automatedSalesTax: true });
  await connectThroughGateway(rig.graph, ADMIN, TENANT, REALM);
  // Items only: under automated sales tax QuickBooks picks the tax code (the mapping API refuses one).
  const items = rig.sandbox.control.listEntities(REALM, 'Item') as { Id: string; Name: string }[];
  const item = (name: string) => items.find((entry) => entry.Name === name)!.Id;
  await graphql(
    gql`
      mutation MapItemsForTax($customerId: ID!, $entries: [QuickBooksMappingInput!]!) {
        setQuickBooksMappings(customerId: $customerId, entries: $entries) {
          sourceKey
        }
      }
    `,
    {
      customerId: TENANT,
      entries: [
        { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: item('Hours') },
        { kind: 'ITEM', sourceKey: 'ITEM_KIND:MATERIAL', targetId: item('Soil') },
      ],
    },
  );
  await setTaxSetting('ACCEPT');
  page = await rig.newPage();
  await rig.signIn(page, 'admin');
}, 180_000);

afterAll(async () => {
  await rig?.close();
});

const pill = () => page.getByTestId('invoice-sync-pill').locator('[data-state]');
const banner = () => page.getByTestId('tax-difference-banner');

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

/** The cells of the tax-lines table's rows of one side. */
async function taxLines(side: 'platform' | 'quickbooks'): Promise<string[][]> {
  return banner()
    .locator(`table.tax-lines tbody tr[data-side="${side}"]`)
    .evaluateAll((rows) =>
      rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')),
    );
}

describe('a tax QuickBooks computes otherwise, on the invoice page', () => {
  it('ACCEPT: the pushed invoice shows both taxes live; OVERRIDE in the settings form and Push again clear it', async () => {
    accepted = await createDraftInvoice(rig.graph, ADMIN, TENANT);
    await openInvoice(accepted);
    await watchPill();
    await page.getByRole('button', { name: 'Finalize' }).click();

    await banner().waitFor({ timeout: PUSH_TIMEOUT });
    lastPushSeenAt = Date.now();
    expect(await banner().getAttribute('data-state')).toBe('SYNCED_WITH_DIFFERENCES');
    expect(await banner().getAttribute('role')).toBe('status');
    expect(await pill().getAttribute('data-state')).toBe('SYNCED_WITH_DIFFERENCES');
    expect(await pill().textContent()).toBe('In QuickBooks, tax differs');
    // Arrived live: the observer installed before Finalize (lost on any reload) saw it queued first.
    const seen = await statesSeen();
    expect(seen).toContain('QUEUED');
    expect(seen!.at(-1)).toBe('SYNCED_WITH_DIFFERENCES');

    // Both figures: ours as billed, QuickBooks' as the emulator's automated sales tax computed it.
    const theirs = await quickbooksTax(accepted.id);
    expect(theirs).not.toBe(PLATFORM_TAX);
    expect(await banner().getByTestId('tax-ours').textContent()).toBe(PLATFORM_TAX);
    expect(await banner().getByTestId('tax-theirs').textContent()).toBe(theirs);
    expect(await banner().getAttribute('data-class')).toBe('TAX_RECOMPUTED');
    expect(await banner().getByTestId('tax-explanation').textContent()).toContain('automated sales tax');
    expect(await banner().textContent()).toContain(
      'Tax setting when it was sent: Let QuickBooks compute the tax.',
    );
    expect(await taxLines('platform')).toEqual([['8.25 %', '$254.97', PLATFORM_TAX]]);
    const quickbooksLines = await taxLines('quickbooks');
    expect(quickbooksLines).toHaveLength(1);
    expect(quickbooksLines[0]![2]).toBe(theirs);
    // No error banner beside it: the invoice is in QuickBooks.
    expect(await page.getByTestId('sync-error-banner').count()).toBe(0);
    await announced(`Invoice ${accepted.number} is now in QuickBooks, but its tax there is`);
    await rig.expectAccessible(page);
    await rig.screenshot(page, 'tax-difference-accepted');

    // The way out: the tax setting, in the settings form the banner links to.
    await banner()
      .getByRole('link', { name: 'Change the tax setting in the QuickBooks sync settings' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Mapping' }).waitFor();
    const settings = page.getByRole('region', { name: 'Sync settings' });
    const override = settings.getByRole('radio', { name: "Send the platform's tax" });
    await override.waitFor();
    expect(await settings.getByRole('radio', { name: 'Let QuickBooks compute the tax' }).isChecked()).toBe(
      true,
    );
    await override.check();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('main').getByText('The sync settings were saved.').waitFor();
    const { quickbooksConnection } = await graphql<{
      quickbooksConnection: { settings: { taxDifferences: string } };
    }>(
      gql`
        query TaxSettingStored($customerId: ID!) {
          quickbooksConnection(customerId: $customerId) {
            settings {
              taxDifferences
            }
          }
        }
      `,
      { customerId: TENANT },
    );
    expect(quickbooksConnection.settings.taxDifferences).toBe('OVERRIDE');

    await page.goBack();
    await page.getByRole('heading', { level: 1, name: `Invoice ${accepted.number}` }).waitFor();
    await banner().waitFor();
    await watchPill();
    // No wait for the worker's settings cache: an admin's retry reads the new setting fresh.
    await banner().getByRole('button', { name: 'Push again' }).click();
    await page.locator('.notice-ok[role="status"]').getByText('is being sent to QuickBooks again').waitFor();
    await banner().waitFor({ state: 'detached', timeout: PUSH_TIMEOUT });
    await page
      .getByTestId('invoice-sync-pill')
      .locator('[data-state="SYNCED"]')
      .waitFor({ timeout: PUSH_TIMEOUT });
    lastPushSeenAt = Date.now();
    expect(await pill().textContent()).toBe('In QuickBooks');
    const after = await statesSeen();
    expect(after).toBeDefined(); // the same document: no reload
    expect(after!.at(-1)).toBe('SYNCED');
    // QuickBooks now holds the platform's tax, sent as TotalTax.
    expect(await quickbooksTax(accepted.id)).toBe(PLATFORM_TAX);
    expect(await page.getByTestId('sync-error-banner').count()).toBe(0);
  });

  it("STOP: the hold shows the tax banner alone; the admin accepts QuickBooks' tax with a reason", async () => {
    await setTaxSetting('STOP');
    held = await createDraftInvoice(rig.graph, ADMIN, TENANT, { name: 'Rosa Delgado' });
    await openInvoice(held);
    await untilWorkerRereadsSettings();
    await page.getByRole('button', { name: 'Finalize' }).click();

    await banner().waitFor({ timeout: PUSH_TIMEOUT });
    expect(await banner().getAttribute('data-state')).toBe('ACTION_REQUIRED');
    expect(await banner().getAttribute('role')).toBe('alert');
    expect(await pill().getAttribute('data-state')).toBe('ACTION_REQUIRED');
    // One banner: the generic error banner stays away for the tax hold.
    expect(await page.getByTestId('sync-error-banner').count()).toBe(0);
    const theirs = await quickbooksTax(held.id);
    expect(await banner().getByTestId('tax-ours').textContent()).toBe(PLATFORM_TAX);
    expect(await banner().getByTestId('tax-theirs').textContent()).toBe(theirs);
    expect(await banner().textContent()).toContain(
      'Tax setting when it was sent: Let QuickBooks compute, hold differences.',
    );
    await banner().getByRole('button', { name: 'Push again' }).waitFor();
    await rig.expectAccessible(page);
    await rig.screenshot(page, 'tax-difference-held');

    await banner().getByRole('button', { name: "Accept QuickBooks' tax" }).click();
    const reason = banner().getByLabel(`Why is QuickBooks' tax right for invoice ${held.number}? (required)`);
    await reason.waitFor();
    // A decision without a reason is refused next to the field; nothing is sent.
    await banner().getByRole('button', { name: "Accept QuickBooks' tax" }).click();
    await banner().getByRole('alert').getByText("Say why QuickBooks' tax is right").waitFor();
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect(await banner().getAttribute('data-state')).toBe('ACTION_REQUIRED');

    await reason.fill('QuickBooks knows the local rate for this address');
    await banner().getByRole('button', { name: "Accept QuickBooks' tax" }).click();
    await page.locator('.notice-ok[role="status"]').getByText("QuickBooks' tax accepted").waitFor();
    await page
      .locator('[data-testid="tax-difference-banner"][data-state="SYNCED_WITH_DIFFERENCES"]')
      .waitFor();
    expect(await banner().getAttribute('role')).toBe('status');
    expect(await pill().getAttribute('data-state')).toBe('SYNCED_WITH_DIFFERENCES');
    expect(await banner().getByTestId('tax-theirs').textContent()).toBe(theirs);
    expect(await banner().getByRole('button', { name: "Accept QuickBooks' tax" }).count()).toBe(0);
    await banner().getByRole('button', { name: 'Push again' }).waitFor();
    await rig.expectAccessible(page);

    // The list says it too, with both taxes.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invoices' }).click();
    const row = page.locator(`tr[data-invoice-id="${held.id}"]`);
    await row.locator('[data-state="SYNCED_WITH_DIFFERENCES"]').waitFor();
    expect(await row.getByTestId('list-tax-difference').textContent()).toBe(
      `Tax ${theirs} in QuickBooks, ${PLATFORM_TAX} billed`,
    );
    await page.locator(`tr[data-invoice-id="${accepted.id}"] [data-state="SYNCED"]`).waitFor();
  });

  it('a member reads the tax banner without a button', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await rig.signIn(page, 'member');
    await openInvoice(held);
    await banner().waitFor();
    expect(await banner().getAttribute('data-state')).toBe('SYNCED_WITH_DIFFERENCES');
    expect(await banner().getByRole('button').count()).toBe(0);
    expect(await banner().textContent()).toContain('An admin of this account can push it again');
    expect(await banner().getByTestId('tax-ours').textContent()).toBe(PLATFORM_TAX);
    await rig.expectAccessible(page);
  });

  it('with sales tax off in QuickBooks, the preview predicts a HIGH risk and says why', async () => {
    rig.sandbox.control.setCompanyPreferences(REALM, { usingSalesTax: false });
    await refreshReferenceData();
    const draft = await createDraftInvoice(rig.graph, ADMIN, TENANT, { name: 'Milo Brandt' });
    await openInvoice(draft);
    const parity = page.getByTestId('tax-parity');
    await parity.waitFor();
    expect(await parity.getAttribute('data-risk')).toBe('HIGH');
    expect(await parity.locator('[data-risk]').first().textContent()).toBe('Tax will differ');
    expect(await parity.getByTestId('parity-platform-tax').textContent()).toBe(PLATFORM_TAX);
    expect(await parity.getByTestId('parity-expected-tax').textContent()).toBe('$0.00');
    expect(await parity.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^Sales tax is turned off in QuickBooks: .* stores 0\.00 instead of 21\.04/),
    ]);
    await rig.expectAccessible(page);
  });

  it('automated sales tax turned off in QuickBooks warns the admins on the overview, with the way to a reconciliation', async () => {
    rig.sandbox.control.setCompanyPreferences(REALM, { automatedSalesTax: false });
    await refreshReferenceData();
    const warning = page.getByTestId('tax-setup-change');
    // Members are not warned: it is an admin's job to reconcile.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'QuickBooks' }).click();
    await page.getByTestId('company-name').waitFor();
    expect(await warning.count()).toBe(0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await rig.signIn(page, 'admin');
    await warning.waitFor();
    expect(await warning.textContent()).toMatch(
      /^Automated sales tax changed from on to off on .+: invoices pushed since may be taxed differently in QuickBooks; run a reconciliation/,
    );
    await rig.expectAccessible(page);
    await warning.getByRole('link', { name: 'Open the reconciliation' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reconciliation' }).waitFor();
    expect(rig.browserErrors()).toEqual([]);
  });
});
