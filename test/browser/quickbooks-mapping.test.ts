/**
 * The mapping page in Chromium, through the gateway: what blocks the first sync and how an admin clears it
 * (a suggestion, the picker), a target QuickBooks deactivated, the sync settings (default terms picked from
 * the company's Terms, and one QuickBooks deactivated meanwhile), and the member's read-only view.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gql } from 'graphql-request';
import type { Page } from 'playwright-core';
import type { TokenClaims } from '../../src/auth/dev-tokens.js';
import { connectThroughGateway } from '../e2e/support/quickbooks.js';
import { OTHER_TENANT, REALM, startPanel, TENANT, type PanelRig } from './support/panel.js';

const ADMIN: TokenClaims = { userId: 'admin-1', tenants: [TENANT], adminOf: [TENANT] };

interface Readiness {
  quickbooksMappingStatus: {
    ready: boolean;
    unmapped: { kind: string; sourceKey: string; invoiceCount: number }[];
    broken: { kind: string; sourceKey: string; invoiceCount: number }[];
  };
  quickbooksMappingSuggestions: {
    sourceKey: string;
    candidates: { targetId: string; targetName: string; score: number }[];
  }[];
}
interface Mappings {
  quickbooksMappings: {
    kind: string;
    sourceKey: string;
    targetId: string;
    targetName: string;
    status: string;
  }[];
}

const READINESS = gql`
  query TestReadiness($customerId: ID!) {
    quickbooksMappingStatus(customerId: $customerId) {
      ready
      unmapped {
        kind
        sourceKey
        invoiceCount
      }
      broken {
        kind
        sourceKey
        invoiceCount
      }
    }
    quickbooksMappingSuggestions(customerId: $customerId) {
      sourceKey
      candidates {
        targetId
        targetName
        score
      }
    }
  }
`;
const MAPPINGS = gql`
  query TestMappings($customerId: ID!) {
    quickbooksMappings(customerId: $customerId) {
      kind
      sourceKey
      targetId
      targetName
      status
    }
  }
`;
const SETTINGS = gql`
  query TestSettings($customerId: ID!) {
    quickbooksConnection(customerId: $customerId) {
      settings {
        autoSync
        existingInvoiceNumber
        pullPayments
        defaultTermsId
      }
    }
  }
`;
const REFRESH = gql`
  mutation TestRefresh($customerId: ID!) {
    refreshQuickBooksReferenceData(customerId: $customerId) {
      asOf
    }
  }
`;

/** How the page names a key ("Item kind: Labor", "Tax rate 8.25 %"). */
function keyInWords(sourceKey: string): string {
  const [prefix, value = ''] = sourceKey.split(/:(.*)/s);
  if (prefix === 'ITEM_KIND') return `Item kind: ${value.charAt(0)}${value.slice(1).toLowerCase()}`;
  if (prefix === 'SERVICE_CODE') return `Service code ${value}`;
  if (prefix === 'TAX_RATE') return `Tax rate ${String(Number((Number(value) * 100).toFixed(4)))} %`;
  return sourceKey;
}

function headline(count: number): string {
  if (count === 0) return 'Everything your invoices use is mapped';
  return `${count} ${count === 1 ? 'item needs' : 'items need'} mapping before sync can start`;
}

interface StoredSettings {
  autoSync: boolean;
  existingInvoiceNumber: string;
  pullPayments: boolean;
  defaultTermsId: string | null;
}

let rig: PanelRig;

beforeAll(async () => {
  rig = await startPanel();
  await connectThroughGateway(rig.graph, ADMIN, TENANT, REALM);
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

async function readiness(): Promise<Readiness> {
  const client = await rig.graph.client(ADMIN);
  return client.request<Readiness>(READINESS, { customerId: TENANT });
}

async function storedMappings(): Promise<Mappings['quickbooksMappings']> {
  const client = await rig.graph.client(ADMIN);
  return (await client.request<Mappings>(MAPPINGS, { customerId: TENANT })).quickbooksMappings;
}

async function storedSettings(): Promise<StoredSettings> {
  const client = await rig.graph.client(ADMIN);
  const { quickbooksConnection } = await client.request<{
    quickbooksConnection: { settings: StoredSettings };
  }>(SETTINGS, { customerId: TENANT });
  return quickbooksConnection.settings;
}

/** The emulator's Term of that name in the connected company. */
function termNamed(name: string): { Id: string; Name: string } {
  const term = (rig.sandbox.control.listEntities(REALM, 'Term') as { Id: string; Name: string }[]).find(
    (t) => t.Name === name,
  );
  if (!term) throw new Error(`no Term ${name} in the emulator`);
  return term;
}

type Select = ReturnType<Page['getByRole']>;

/** The option a person sees chosen in a select. */
async function chosen(select: Select): Promise<string> {
  return select.evaluate((node) => (node as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');
}

/** Waits until the select shows that option chosen (the page may still be reading what it offers). */
async function untilChosen(select: Select, label: string): Promise<void> {
  await select.locator('option:checked').getByText(label, { exact: true }).waitFor({ state: 'attached' });
}

/** The options a person can pick from, in order. */
function optionsOf(select: Select): Promise<string[]> {
  return select.locator('option').evaluateAll((nodes) => nodes.map((n) => n.textContent ?? ''));
}

async function openMapping(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mapping' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mapping' }).waitFor();
}

/** The table row a person reads for one key. */
const tableRow = (page: Page, sourceKey: string) =>
  page
    .getByRole('table')
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: keyInWords(sourceKey), exact: true }) });

const blockingKey = (page: Page, sourceKey: string) =>
  page.getByRole('region', { name: keyInWords(sourceKey), exact: true });

let adminPage: Page;
let mappedItem: { sourceKey: string; targetId: string; targetName: string };
let blockingCount: number;

describe('the QuickBooks mapping page', () => {
  it('the admin sees what blocks sync and maps an item kind with its top suggestion', async () => {
    const before = await readiness();
    blockingCount =
      before.quickbooksMappingStatus.unmapped.length + before.quickbooksMappingStatus.broken.length;
    expect(blockingCount).toBeGreaterThan(0);
    const itemKey = before.quickbooksMappingStatus.unmapped.find(
      (key) =>
        key.sourceKey.startsWith('ITEM_KIND:') &&
        (before.quickbooksMappingSuggestions.find((s) => s.sourceKey === key.sourceKey)?.candidates.length ??
          0) > 0,
    );
    if (!itemKey) throw new Error('no unmapped item kind with a suggestion');
    const top = before.quickbooksMappingSuggestions.find((s) => s.sourceKey === itemKey.sourceKey)!
      .candidates[0]!;

    adminPage = await rig.newPage();
    await rig.signIn(adminPage, 'admin');
    await openMapping(adminPage);
    await adminPage.getByText(headline(blockingCount), { exact: true }).waitFor();

    const row = blockingKey(adminPage, itemKey.sourceKey);
    await row.getByText(`Used by ${itemKey.invoiceCount} invoice`).waitFor();
    expect(await row.getByText(`${Math.round(top.score * 100)} % match`).count()).toBeGreaterThan(0);
    await row.getByRole('button', { name: `Use ${top.targetName}`, exact: true }).click();

    await adminPage.getByText(headline(blockingCount - 1), { exact: true }).waitFor();
    await row.waitFor({ state: 'detached' });
    await tableRow(adminPage, itemKey.sourceKey).getByText('OK', { exact: true }).waitFor();
    expect(await tableRow(adminPage, itemKey.sourceKey).getByRole('cell').nth(1).textContent()).toBe(
      top.targetName,
    );
    await adminPage
      .getByTestId('announcer')
      .getByText(`${keyInWords(itemKey.sourceKey)} is now mapped to ${top.targetName}.`)
      .waitFor();

    expect(await storedMappings()).toContainEqual(
      expect.objectContaining({
        kind: 'ITEM',
        sourceKey: itemKey.sourceKey,
        targetId: top.targetId,
        status: 'OK',
      }),
    );
    const after = await readiness();
    expect(after.quickbooksMappingStatus.unmapped.length + after.quickbooksMappingStatus.broken.length).toBe(
      blockingCount - 1,
    );
    blockingCount -= 1;
    mappedItem = { sourceKey: itemKey.sourceKey, targetId: top.targetId, targetName: top.targetName };

    await rig.expectAccessible(adminPage);
    await rig.screenshot(adminPage, 'quickbooks-mapping');
  });

  it('the admin maps a tax rate with the picker', async () => {
    const status = (await readiness()).quickbooksMappingStatus;
    const rateKey = status.unmapped.find((key) => key.sourceKey === 'TAX_RATE:0.0825');
    if (!rateKey) throw new Error('TAX_RATE:0.0825 is not waiting for a mapping');
    const sanPablo = (
      rig.sandbox.control.listEntities(REALM, 'TaxCode') as { Id: string; Name: string }[]
    ).find((code) => code.Name === 'San Pablo')!;

    const row = blockingKey(adminPage, rateKey.sourceKey);
    const picker = row.getByRole('combobox', {
      name: 'QuickBooks tax code for Tax rate 8.25 %',
      exact: true,
    });
    await picker.selectOption({ value: sanPablo.Id });
    await row.getByRole('button', { name: 'Save QuickBooks tax code for Tax rate 8.25 %' }).click();

    await row.waitFor({ state: 'detached' });
    await adminPage.getByText(headline(blockingCount - 1), { exact: true }).waitFor();
    blockingCount -= 1;
    const tableRate = tableRow(adminPage, rateKey.sourceKey);
    await tableRate.getByText('OK', { exact: true }).waitFor();
    expect(await tableRate.getByRole('cell').first().textContent()).toBe('Tax code');
    expect(await tableRate.getByRole('cell').nth(1).textContent()).toBe('San Pablo');
    expect(await storedMappings()).toContainEqual(
      expect.objectContaining({ kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.0825', targetId: sanPablo.Id }),
    );
  });

  it('a target made inactive in QuickBooks: a stale pick is refused in words, and a refresh flags the mapping broken', async () => {
    rig.sandbox.control.editEntity(REALM, 'Item', mappedItem.targetId, { Active: false });
    // Another admin refreshes the lists meanwhile: this page still offers the item from its earlier read.
    const client = await rig.graph.client(ADMIN);
    await client.request(REFRESH, { customerId: TENANT });

    const status = (await readiness()).quickbooksMappingStatus;
    const otherItem = status.unmapped.find((key) => key.kind === 'ITEM');
    if (!otherItem) throw new Error('no other item key waiting for a mapping');
    const other = blockingKey(adminPage, otherItem.sourceKey);
    await other
      .getByRole('combobox', { name: `QuickBooks item for ${keyInWords(otherItem.sourceKey)}`, exact: true })
      .selectOption({ value: mappedItem.targetId });
    await other
      .getByRole('button', { name: `Save QuickBooks item for ${keyInWords(otherItem.sourceKey)}` })
      .click();
    const refusal = other.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(
      /was not saved: .*input\.targetId.*inactive in QuickBooks.*BAD_USER_INPUT/,
    );
    expect(await refusal.getAttribute('data-error-code')).toBe('BAD_USER_INPUT');

    await adminPage.getByRole('button', { name: 'Refresh from QuickBooks' }).click();
    await adminPage
      .getByRole('main')
      .getByText(/^QuickBooks lists refreshed as of /)
      .waitFor();
    const mapped = tableRow(adminPage, mappedItem.sourceKey);
    await mapped.getByText('⚠ Broken').waitFor();
    expect(await mapped.textContent()).toMatch(/is inactive in QuickBooks/);
    // The key blocks sync again, shown as a broken mapping with its reason.
    const again = blockingKey(adminPage, mappedItem.sourceKey);
    await again.getByText('Broken mapping').waitFor();
    expect(await again.textContent()).toMatch(/inactive in QuickBooks/);
    blockingCount += 1;
    await adminPage.getByText(headline(blockingCount), { exact: true }).waitFor();
    // The inactive item is no longer offered.
    const options = await other
      .getByRole('combobox', { name: `QuickBooks item for ${keyInWords(otherItem.sourceKey)}`, exact: true })
      .locator('option')
      .evaluateAll((nodes) => nodes.map((n) => (n as HTMLOptionElement).value));
    expect(options).not.toContain(mappedItem.targetId);
    expect((await storedMappings()).find((m) => m.sourceKey === mappedItem.sourceKey)?.status).toBe('BROKEN');
  });

  it('the admin repairs the broken mapping from the table and removes another', async () => {
    const labor = tableRow(adminPage, mappedItem.sourceKey);
    const services = (rig.sandbox.control.listEntities(REALM, 'Item') as { Id: string; Name: string }[]).find(
      (item) => item.Name === 'Services',
    )!;
    await labor
      .getByRole('combobox', { name: `QuickBooks item for ${keyInWords(mappedItem.sourceKey)}`, exact: true })
      .selectOption({ value: services.Id });
    await labor
      .getByRole('button', { name: `Save QuickBooks item for ${keyInWords(mappedItem.sourceKey)}` })
      .click();
    await labor.getByText('OK', { exact: true }).waitFor();
    expect(await labor.getByRole('cell').nth(1).textContent()).toBe('Services');
    await blockingKey(adminPage, mappedItem.sourceKey).waitFor({ state: 'detached' });
    blockingCount -= 1;
    await adminPage.getByText(headline(blockingCount), { exact: true }).waitFor();

    const rate = tableRow(adminPage, 'TAX_RATE:0.0825');
    await rate.getByRole('button', { name: 'Remove the mapping for Tax rate 8.25 %' }).click();
    await rate.waitFor({ state: 'detached' });
    await adminPage.getByRole('main').getByText('The mapping for Tax rate 8.25 % was removed.').waitFor();
    await blockingKey(adminPage, 'TAX_RATE:0.0825').getByText('Not mapped yet.').waitFor();
    blockingCount += 1;
    await adminPage.getByText(headline(blockingCount), { exact: true }).waitFor();

    const stored = await storedMappings();
    expect(stored.find((m) => m.sourceKey === mappedItem.sourceKey)).toMatchObject({
      targetId: services.Id,
      status: 'OK',
    });
    expect(stored.find((m) => m.sourceKey === 'TAX_RATE:0.0825')).toBeUndefined();
  });

  it('a refresh QuickBooks does not answer is reported in words, and the lists stay as they were', async () => {
    const asOf = await adminPage.getByTestId('lists-as-of').textContent();
    rig.sandbox.control.injectFault({
      match: { realmId: REALM },
      times: null,
      action: { type: 'status', status: 503 },
    });
    try {
      await adminPage.getByRole('button', { name: 'Refresh from QuickBooks' }).click();
      const alert = adminPage
        .getByRole('alert')
        .filter({ hasText: 'The QuickBooks lists were not refreshed' });
      await alert.waitFor();
      expect(await alert.textContent()).toContain(
        'QuickBooks could not be reached just now. Try again in a minute.',
      );
      expect(await alert.getAttribute('data-error-code')).toBe('QUICKBOOKS_UNAVAILABLE');
      expect(await adminPage.getByTestId('lists-as-of').textContent()).toBe(asOf);
    } finally {
      rig.sandbox.control.clearFaults();
    }
  });

  it('the admin changes the invoice number policy and automatic sync; they stay after a reload', async () => {
    const suffix = adminPage.getByRole('radio', { name: 'Suffix' });
    const autoSync = adminPage.getByRole('checkbox', { name: 'Automatic sync' });
    expect(await adminPage.getByRole('radio', { name: 'Stop and ask' }).isChecked()).toBe(true);
    expect(await autoSync.isChecked()).toBe(true);
    await suffix.check();
    await autoSync.uncheck();
    await adminPage.getByRole('button', { name: 'Save settings' }).click();
    await adminPage.getByRole('main').getByText('The sync settings were saved.').waitFor();

    await adminPage.reload();
    await adminPage.getByRole('heading', { level: 1, name: 'Mapping' }).waitFor();
    await adminPage.getByRole('heading', { name: 'Sync settings' }).waitFor();
    expect(await adminPage.getByRole('radio', { name: 'Suffix' }).isChecked()).toBe(true);
    expect(await adminPage.getByRole('checkbox', { name: 'Automatic sync' }).isChecked()).toBe(false);
    expect(await adminPage.getByRole('checkbox', { name: 'Pull payments' }).isChecked()).toBe(true);
    const client = await rig.graph.client(ADMIN);
    const { quickbooksConnection } = await client.request<{
      quickbooksConnection: { settings: { autoSync: boolean; existingInvoiceNumber: string } };
    }>(SETTINGS, { customerId: TENANT });
    expect(quickbooksConnection.settings).toMatchObject({ autoSync: false, existingInvoiceNumber: 'SUFFIX' });
  });

  it('the admin picks default terms; they stay after a reload', async () => {
    const settings = adminPage.getByRole('region', { name: 'Sync settings' });
    const terms = settings.getByRole('combobox', { name: 'Default terms' });
    const net30 = termNamed('Net 30');
    expect(await chosen(terms)).toBe('Company default');
    await terms.getByRole('option', { name: 'Net 60', exact: true }).waitFor({ state: 'attached' });
    expect(await optionsOf(terms)).toEqual([
      'Company default',
      'Due on receipt',
      'Net 10',
      'Net 15',
      'Net 30',
      'Net 60',
    ]);
    expect(await adminPage.getByText('The sync settings were saved.').count()).toBe(0);

    await terms.selectOption({ label: 'Net 30' });
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await adminPage.getByRole('main').getByText('The sync settings were saved.').waitFor();
    expect(await storedSettings()).toMatchObject({ defaultTermsId: net30.Id, autoSync: false });

    await adminPage.reload();
    await adminPage.getByRole('heading', { level: 1, name: 'Mapping' }).waitFor();
    const reloaded = adminPage
      .getByRole('region', { name: 'Sync settings' })
      .getByRole('combobox', { name: 'Default terms' });
    await untilChosen(reloaded, 'Net 30');
    expect(await reloaded.inputValue()).toBe(net30.Id);
    expect(
      await adminPage
        .getByRole('region', { name: 'Sync settings' })
        .getByRole('button', { name: 'Save settings' })
        .isDisabled(),
    ).toBe(true);
    await rig.expectAccessible(adminPage);
  });

  it('terms made inactive in QuickBooks after the page loaded: saving them is refused in words, and nothing is saved', async () => {
    const settings = adminPage.getByRole('region', { name: 'Sync settings' });
    const terms = settings.getByRole('combobox', { name: 'Default terms' });
    const net15 = termNamed('Net 15');
    const before = await storedSettings();
    // The page offers Net 15 from its earlier read; someone makes it inactive in QuickBooks meanwhile.
    await terms.selectOption({ label: 'Net 15' });
    rig.sandbox.control.editEntity(REALM, 'Term', net15.Id, { Active: false });
    await settings.getByRole('checkbox', { name: 'Pull payments' }).uncheck();

    await settings.getByRole('button', { name: 'Save settings' }).click();
    const refusal = settings.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toBe(
      `The settings were not saved: QuickBooks has no active payment term with id ${net15.Id} (BAD_USER_INPUT)`,
    );
    expect(await refusal.getAttribute('data-error-code')).toBe('BAD_USER_INPUT');
    expect(await adminPage.getByText('The sync settings were saved.').count()).toBe(0);
    // Refused as a whole: neither the terms nor the payments choice changed.
    expect(await storedSettings()).toEqual(before);
    expect(before.defaultTermsId).toBe(termNamed('Net 30').Id);
    // The admin's choice stays on screen to correct.
    expect(await chosen(terms)).toBe('Net 15');
  });

  it('a member reads the page without controls', async () => {
    await adminPage.getByRole('button', { name: 'Sign out' }).click();
    await rig.signIn(adminPage, 'member');
    const page = adminPage;
    await openMapping(page);
    const { quickbooksMappingStatus: status } = await readiness();
    await page.getByText(headline(status.unmapped.length + status.broken.length), { exact: true }).waitFor();
    await tableRow(page, mappedItem.sourceKey).getByText('OK', { exact: true }).waitFor();
    await page
      .getByText(/% match/)
      .first()
      .waitFor();
    await page.getByRole('heading', { name: 'Sync settings' }).waitFor();

    for (const name of [/^Use /, /^Save/, /^Remove/, /Refresh from QuickBooks/]) {
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    }
    expect(await page.getByRole('combobox').count()).toBe(0);
    expect(await page.getByRole('checkbox', { name: 'Automatic sync' }).isDisabled()).toBe(true);
    expect(await page.getByRole('checkbox', { name: 'Pull payments' }).isDisabled()).toBe(true);
    expect(await page.getByRole('radio', { name: 'Suffix' }).isDisabled()).toBe(true);
    expect(await page.getByRole('radio', { name: 'Suffix' }).isChecked()).toBe(true);
    await page.getByText('Only an admin of this account can change these settings.').waitFor();
    // The default terms by name, as text.
    const defaultTerms = page.getByRole('region', { name: 'Sync settings' }).getByRole('definition');
    await defaultTerms.getByText('Net 30', { exact: true }).waitFor();
    expect(await defaultTerms.textContent()).toBe('Net 30');
    await rig.expectAccessible(page);
  });

  it('default terms made inactive in QuickBooks show as such; the admin clears them back to the company default', async () => {
    const page = adminPage;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await rig.signIn(page, 'admin');
    await openMapping(page);
    const settings = page.getByRole('region', { name: 'Sync settings' });
    const terms = settings.getByRole('combobox', { name: 'Default terms' });
    await untilChosen(terms, 'Net 30');
    expect(await settings.getByText(/inactive in QuickBooks/).count()).toBe(0);
    // Net 30 is made inactive in QuickBooks too (Net 15 was before): after a refresh the page says so.
    rig.sandbox.control.editEntity(REALM, 'Term', termNamed('Net 30').Id, { Active: false });
    await page.getByRole('button', { name: 'Refresh from QuickBooks' }).click();
    await page
      .getByRole('main')
      .getByText(/^QuickBooks lists refreshed as of /)
      .waitFor();
    await untilChosen(terms, 'Net 30 (inactive in QuickBooks)');
    expect(await optionsOf(terms)).toEqual([
      'Company default',
      'Net 30 (inactive in QuickBooks)',
      'Due on receipt',
      'Net 10',
      'Net 60',
    ]);
    await settings
      .getByText('The default terms, Net 30, are inactive in QuickBooks.', { exact: false })
      .waitFor();
    await rig.expectAccessible(page);
    await rig.screenshot(page, 'quickbooks-mapping-inactive-terms');

    await terms.selectOption({ label: 'Company default' });
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('main').getByText('The sync settings were saved.').waitFor();
    expect((await storedSettings()).defaultTermsId).toBeNull();
    await untilChosen(terms, 'Company default');
  });

  it('a tenant without QuickBooks is sent to the QuickBooks panel', async () => {
    const page = adminPage;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await rig.signIn(page, 'admin', OTHER_TENANT);
    await openMapping(page);
    const notice = page.getByText('QuickBooks is not connected, so there is nothing to map yet.');
    await notice.waitFor();
    expect(await page.getByRole('button', { name: 'Refresh from QuickBooks' }).count()).toBe(0);
    await rig.expectAccessible(page);
    await page.getByRole('link', { name: 'Connect QuickBooks in the QuickBooks panel' }).click();
    await page.getByRole('heading', { level: 1, name: 'QuickBooks' }).waitFor();

    expect(rig.browserErrors()).toEqual([]);
  });
});
