/**
 * The panel's front door in Chromium: the dev sign-in picks a tenant and a role, the layout names who is
 * signed in (read through the gateway), and the page passes axe.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPanel, type PanelRig } from './support/panel.js';

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
});
