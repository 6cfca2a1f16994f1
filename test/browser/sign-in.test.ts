/**
 * The panel's front door in Chromium: the dev sign-in picks a tenant and a role, the layout names who is
 * signed in (read through the gateway), and the page passes axe.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tokenFor } from '../support/harness.js';
import { startPanel, TENANT, type PanelRig } from './support/panel.js';

let rig: PanelRig;

beforeAll(async () => {
  rig = await startPanel();
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

describe('signing in to the panel', () => {
  it('a member signs in for a tenant and the header names the tenant from the gateway', async () => {
    const page = await rig.newPage();
    await page.goto('/');
    await expect(page).toBeTruthy();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await rig.expectAccessible(page);
    await rig.screenshot(page, 'sign-in');
    await rig.signIn(page, 'member');
    await page.getByTestId('signed-in-as').getByText('Acme Plumbing & HVAC LLC').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('member, read-only');
    await rig.expectAccessible(page);
    expect(rig.browserErrors()).toEqual([]);
  });

  it('a token the gateway no longer accepts sends the person back to sign in, saying why', async () => {
    const token = await tokenFor({
      userId: 'admin-1',
      tenants: [TENANT],
      adminOf: [TENANT],
      expiresIn: '1s',
    });
    const page = await rig.newPage();
    await page.goto('/sign-in');
    // Pages of the browser context share localStorage: the first test's session would sign this page in.
    // And the panel reads the stored session only once it has its config (after `load`): wait until it
    // rendered signed out, or it would take the session stored next, find it expired on its own and end it
    // before the navigation below (whose fresh page would then have no session and no notice to show).
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.evaluate(
      (session) => localStorage.setItem('quickbooks-panel.session', JSON.stringify(session)),
      { token, userId: 'admin-1', tenantId: TENANT, role: 'admin' },
    );
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past the token's exp
    await page.goto('/settings/integrations/quickbooks/log');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText('Your sign-in has expired').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('quickbooks-panel.session'))).toBeNull();
    // Signing in again goes back to where the person was.
    await page.getByRole('radio', { name: /Admin/ }).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sync log' }).waitFor();
  });
});
