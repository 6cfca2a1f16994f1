/**
 * The QuickBooks overview panel in Chromium, one walk through a tenant's life with QuickBooks: a cancelled
 * connect, a connect through the emulator's consent page, what a member sees (and that the server refuses
 * them), a sync of existing invoices followed live, the authorization lapsing live, and a disconnect.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClientError, gql } from 'graphql-request';
import type { Page } from 'playwright-core';
import type { TokenClaims } from '../../src/auth/dev-tokens.js';
import { mapDemoCompany } from '../e2e/support/quickbooks.js';
import { REALM, startPanel, TENANT, type PanelRig } from './support/panel.js';

const ADMIN: TokenClaims = { userId: 'admin-1', tenants: [TENANT], adminOf: [TENANT] };
const MEMBER: TokenClaims = { userId: 'member-1', tenants: [TENANT] };
const TOKEN_PATH = '/oauth2/v1/tokens/bearer';
/** Long enough for a worker on a shared two-core machine to send the demo invoices in batches. */
const BACKFILL_TIMEOUT = 90_000;

let rig: PanelRig;
let page: Page;

beforeAll(async () => {
  rig = await startPanel();
  page = await rig.newPage();
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

const connectButton = () => page.getByRole('button', { name: 'Connect to QuickBooks' });

/** Something only this document holds: gone if the page reloads or navigates away and back. */
async function markDocument(): Promise<void> {
  await page.evaluate(() => {
    document.body.dataset.sameDocument = 'yes';
  });
}
async function expectSameDocument(): Promise<void> {
  expect(await page.evaluate(() => document.body.dataset.sameDocument)).toBe('yes');
}

async function signInAs(role: 'admin' | 'member'): Promise<void> {
  const signOut = page.getByRole('button', { name: 'Sign out' });
  if (await signOut.isVisible()) {
    await signOut.click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  }
  await rig.signIn(page, role);
}

/** Clicks the panel's connect button and waits for the emulator's consent page. */
async function openConsentPage(): Promise<void> {
  await connectButton().click();
  await page.getByRole('heading', { name: /wants to connect to your QuickBooks company/ }).waitFor();
  expect(new URL(page.url()).origin).toBe(new URL(rig.sandbox.url).origin);
}

describe('the QuickBooks overview panel', () => {
  it('cancelling on the consent page brings the admin back with the reason in words, still not connected', async () => {
    await signInAs('admin');
    await connectButton().waitFor();
    expect(await page.locator('[data-status]').first().getAttribute('data-status')).toBe('DISCONNECTED');

    await openConsentPage();
    await page.getByRole('button', { name: 'Cancel' }).click();

    const notice = page.getByTestId('connect-outcome');
    await notice.waitFor();
    expect(await notice.getAttribute('role')).toBe('alert');
    expect(await notice.textContent()).toContain('QuickBooks access was not granted');
    expect(await notice.textContent()).toContain('(ACCESS_DENIED)');
    // The outcome left the address bar (navigate replace), the page says not connected, Connect is back.
    await page.waitForURL((url) => !url.search.includes('quickbooks='));
    expect(new URL(page.url()).pathname).toBe('/settings/integrations/quickbooks');
    expect(await page.locator('[data-status]').first().getAttribute('data-status')).toBe('DISCONNECTED');
    await connectButton().waitFor();
  });

  it('an admin connects through the emulator consent page and lands back on a connected panel', async () => {
    await openConsentPage();
    await page.locator(`input[type="radio"][name="realmId"][value="${REALM}"]`).check();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();

    const notice = page.getByTestId('connect-outcome');
    await notice.getByText('QuickBooks is connected').waitFor();
    await page.locator('[data-status="CONNECTED"]').waitFor();
    const companyName = rig.sandbox.control.listRealms().find((r) => r.realmId === REALM)!.companyName;
    await page.getByTestId('company-name').getByText(companyName).waitFor();
    await page.getByText(REALM, { exact: true }).waitFor();
    await page.waitForURL((url) => !url.search.includes('quickbooks='));
    // The sync summary and the backfill card are there for a connected company.
    await page.getByRole('heading', { name: 'Invoice sync' }).waitFor();
    await page.getByRole('table', { name: 'Invoices by sync state' }).waitFor();
    await page.getByRole('heading', { name: 'Sync existing invoices' }).waitFor();
    await rig.expectAccessible(page);
    await rig.screenshot(page, 'quickbooks-panel-connected');
  });

  it('a member sees the connected panel without any admin control, and the server refuses their disconnect', async () => {
    await signInAs('member');
    await page.locator('[data-status="CONNECTED"]').waitFor();
    const companyName = rig.sandbox.control.listRealms().find((r) => r.realmId === REALM)!.companyName;
    await page.getByTestId('company-name').getByText(companyName).waitFor();
    await page.getByRole('heading', { name: 'Sync existing invoices' }).waitFor();
    for (const name of [
      'Connect to QuickBooks',
      'Reconnect',
      'Disconnect QuickBooks',
      'Yes, disconnect',
      'Sync existing invoices',
    ]) {
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    }
    expect(await page.getByLabel('Invoices issued since').count()).toBe(0);
    await rig.expectAccessible(page);

    const member = await rig.graph.client(MEMBER);
    const refused = await member
      .request(
        gql`
          mutation MemberDisconnect($customerId: ID!) {
            disconnectQuickBooks(customerId: $customerId) {
              revokedAtQuickBooks
            }
          }
        `,
        { customerId: TENANT },
      )
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(ClientError);
    expect((refused as ClientError).response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Still connected, as the member's page says.
    const { quickbooksConnection } = await member.request<{ quickbooksConnection: { status: string } }>(
      gql`
        query MemberConnection($customerId: ID!) {
          quickbooksConnection(customerId: $customerId) {
            status
          }
        }
      `,
      { customerId: TENANT },
    );
    expect(quickbooksConnection.status).toBe('CONNECTED');
    await page.locator('[data-status="CONNECTED"]').waitFor();
  });

  it('an admin starts a sync of existing invoices, a second start is refused while it runs, and it finishes live with the server numbers', async () => {
    await mapDemoCompany(rig.graph, rig.sandbox, ADMIN, TENANT, REALM);
    await signInAs('admin');
    await page.getByTestId('no-backfill').waitFor();
    await markDocument();

    // QuickBooks answers the backfill's batch requests slowly, so it is still running when the admin clicks
    // again: the second start is refused, in words.
    const slowBatches = rig.sandbox.control.injectLatency({
      match: { operation: 'batch' },
      fixedMs: 3000,
      times: null,
    });
    await page.getByLabel('Invoices issued since').fill('2020-01-01');
    const start = page.getByRole('button', { name: 'Sync existing invoices' });
    await start.click();
    await page.getByRole('status').getByText('Started: invoices issued since').waitFor();
    await page.getByRole('progressbar').waitFor();
    await start.click();
    const refused = page.locator('[role="alert"][data-error-code="QUICKBOOKS_BACKFILL_RUNNING"]');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('A sync of existing invoices is already running.');
    rig.sandbox.control.removeFault(slowBatches.id);

    const finished = page.locator('[data-testid="backfill"][data-state="COMPLETED"]');
    await finished.waitFor({ timeout: BACKFILL_TIMEOUT });
    await expectSameDocument();
    expect(await page.getByTestId('backfill-state').textContent()).toBe('Finished');

    const admin = await rig.graph.client(ADMIN);
    const { quickbooksBackfill: server } = await admin.request<{
      quickbooksBackfill: {
        state: string;
        total: number;
        done: number;
        failed: number;
        skipped: number;
        handedOff: number;
      };
    }>(
      gql`
        query Backfill($customerId: ID!) {
          quickbooksBackfill(customerId: $customerId) {
            state
            total
            done
            failed
            skipped
            handedOff
          }
        }
      `,
      { customerId: TENANT },
    );
    expect(server.state).toBe('COMPLETED');
    expect(server.total).toBeGreaterThan(0);
    const shown = async (id: string) => Number(await page.getByTestId(id).textContent());
    expect({
      total: await shown('backfill-total'),
      done: await shown('backfill-done'),
      failed: await shown('backfill-failed'),
      skipped: await shown('backfill-skipped'),
      handedOff: await shown('backfill-handed-off'),
    }).toEqual({
      total: server.total,
      done: server.done,
      failed: server.failed,
      skipped: server.skipped,
      handedOff: server.handedOff,
    });
    const settled = server.done + server.failed + server.handedOff;
    expect(await page.getByRole('progressbar').getAttribute('value')).toBe(String(settled));
    expect(await page.getByText(`Progress: ${settled} of ${server.total} invoices`).count()).toBe(1);
    // The summary card counted the sent invoices live too (its own subscription).
    await page.waitForFunction(
      (min) => Number(document.querySelector('[data-testid="count-SYNCED"]')?.textContent) >= min,
      server.done,
    );
    await expectSameDocument();
  });

  it('the authorization lapsing shows live as a reconnect call to action with its reason', async () => {
    await markDocument();
    // QuickBooks refuses the refresh token from now on (as after a revoke in QuickBooks), and the access
    // token the API holds has lapsed at QuickBooks: the API's next call refreshes and gets invalid_grant.
    rig.sandbox.control.injectFault({
      match: { path: TOKEN_PATH },
      times: null,
      action: {
        type: 'status',
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Token invalid' },
      },
    });
    rig.sandbox.control.advanceClock(61 * 60_000);
    try {
      const admin = await rig.graph.client(ADMIN);
      const answer = await admin
        .request(
          gql`
            mutation Refresh($customerId: ID!) {
              refreshQuickBooksReferenceData(customerId: $customerId) {
                asOf
              }
            }
          `,
          { customerId: TENANT },
        )
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect((answer as ClientError).response.errors?.[0]?.extensions?.code).toBe(
        'QUICKBOOKS_REAUTH_REQUIRED',
      );

      const problem = page.getByTestId('connection-problem');
      await problem.waitFor();
      expect(await problem.getAttribute('role')).toBe('alert');
      expect(await problem.textContent()).toContain('QuickBooks needs to be reconnected');
      expect(await problem.textContent()).toContain('invalid_grant');
      await problem.getByRole('button', { name: 'Reconnect' }).waitFor();
      await page.locator('[data-status="NEEDS_REAUTH"]').waitFor();
      await page.getByTestId('announcer').getByText('QuickBooks needs you to reconnect').waitFor();
      await expectSameDocument();
      await rig.expectAccessible(page);
    } finally {
      rig.sandbox.control.clearFaults();
      rig.sandbox.control.resetClock();
    }
  });

  it('an admin disconnects after an inline confirmation, the Connect button comes back, a sync of existing invoices is refused', async () => {
    await page.getByRole('button', { name: 'Disconnect QuickBooks' }).click();
    const confirm = page.getByRole('group', { name: /Disconnect QuickBooks\?/ });
    await confirm.waitFor();
    // Changing one's mind keeps the connection.
    await confirm.getByRole('button', { name: 'Keep connected' }).click();
    await page.getByRole('button', { name: 'Disconnect QuickBooks' }).click();
    await page.getByRole('button', { name: 'Yes, disconnect' }).click();

    const outcome = page.getByTestId('disconnect-outcome');
    await outcome.waitFor();
    const revoked = await outcome.getAttribute('data-revoked');
    expect(['true', 'false']).toContain(revoked);
    if (revoked === 'false') expect(await outcome.textContent()).toContain('Settings > Apps');
    else expect(await outcome.textContent()).toContain('no longer has access');
    await page.locator('[data-status="DISCONNECTED"]').waitFor();
    await connectButton().waitFor();
    expect(await page.getByRole('button', { name: 'Disconnect QuickBooks' }).count()).toBe(0);
    await page.getByTestId('announcer').getByText('QuickBooks is now disconnected').waitFor();
    await rig.expectAccessible(page);

    // Without a connection, starting a sync of existing invoices is refused in words.
    await page.getByLabel('Invoices issued since').fill('2020-01-01');
    await page.getByRole('button', { name: 'Sync existing invoices' }).click();
    const refused = page.locator('[role="alert"][data-error-code="QUICKBOOKS_NOT_CONNECTED"]');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('QuickBooks is not connected. Connect it first.');

    expect(rig.browserErrors()).toEqual([]);
  });
});
