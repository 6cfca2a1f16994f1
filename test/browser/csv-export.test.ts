/**
 * "Export for QuickBooks" in Chromium (issue 15): an admin of a tenant without a connection exports its
 * finalized invoices through the gateway and downloads the zip from the subgraph, another origin, with
 * their own token; what the browser saves is the files the import wizard takes. A member sees no export.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { strFromU8, unzipSync } from 'fflate';
import { startPanel, type PanelRig } from './support/panel.js';

let rig: PanelRig;

beforeAll(async () => {
  rig = await startPanel();
}, 180_000);

afterAll(async () => {
  await rig?.close();
});

describe('the CSV export in the panel', () => {
  it('an admin without a connection exports, and the download is the import files', async () => {
    const page = await rig.newPage();
    await rig.signIn(page, 'admin');
    const card = page.getByRole('region', { name: 'Export for QuickBooks (CSV)' });
    await card.waitFor();
    await card.getByLabel('Invoices issued from').fill('2026-01-01');
    await card.getByLabel('to', { exact: true }).fill('2026-12-31');
    await card.getByLabel(/US company/).check();
    expect(await card.getByLabel('Amounts').isDisabled()).toBe(true);
    await card.getByRole('button', { name: 'Export invoices' }).click();
    const result = card.getByTestId('csv-export-result');
    await result.waitFor();
    const summary = (await result.getByRole('status').textContent()) ?? '';
    const invoices = Number(/(\d+) invoices/u.exec(summary)?.[1]);
    expect(invoices).toBeGreaterThan(0);
    await rig.expectAccessible(page);
    await rig.screenshot(page, 'csv-export');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      result.getByRole('button', { name: 'Download the files (zip)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('quickbooks-import.zip');
    const files = unzipSync(new Uint8Array(fs.readFileSync(await download.path())));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['invoices-01.csv', 'customers-01.csv']));
    const rows = parse(strFromU8(files['invoices-01.csv']!), { columns: true }) as Record<string, string>[];
    expect(new Set(rows.map((row) => row['Invoice number'])).size).toBe(invoices);
    // US: a taxable line names the sales tax rate (the tenant has no mappings: the platform's rate, for the
    // wizard's tax step), others NON; dates as MM/DD/YYYY.
    expect(rows.every((row) => /^(NON|\d+(\.\d+)?%)$/u.test(row['Item tax code']!))).toBe(true);
    expect(rows.some((row) => row['Item tax code'] !== 'NON')).toBe(true);
    expect(rows.every((row) => /^\d{2}\/\d{2}\/2026$/u.test(row['Invoice date']!))).toBe(true);
    expect(rig.browserErrors()).toEqual([]);
  });

  it('a member sees the connection but no export', async () => {
    // Pages share the session (localStorage): sign the admin out, as a person would.
    const page = await rig.newPage();
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await rig.signIn(page, 'member');
    await page.getByRole('heading', { name: 'Sync existing invoices' }).waitFor();
    expect(await page.getByRole('region', { name: 'Export for QuickBooks (CSV)' }).count()).toBe(0);
  });
});
