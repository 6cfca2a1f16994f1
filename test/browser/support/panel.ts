import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from '@jest/globals';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Sandbox } from '../../../sandbox/src/index.js';
import { CHROMIUM_ARGS, freePort } from '../../../scripts/services/index.js';
import { EMULATOR_DEFAULT_VERIFIER_TOKEN } from '../../../src/config.js';
import { QUICKBOOKS_WEBHOOK_PATH } from '../../../src/server/webhook-routes.js';
import { WEB_DIST } from '../../../web/server/build.js';
import { startWebServer, type WebServer } from '../../../web/server/index.js';
import { startGraphWithEmulator, type Graph } from '../../e2e/support/graph.js';
import { startEntry, workerEnv, type EntryProcess } from '../../support/entry-process.js';
import { TEST_JWT_SECRET } from '../../support/harness.js';

export const TENANT = 'cust-acme-us';
export const OTHER_TENANT = 'cust-nordlys-no';
/** The emulator's US company, the one the consent page lists first. */
export const REALM = '9341455130166501';

/** Where screenshots go: test output, never committed (see .gitignore). */
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../../test-output/browser');

/**
 * From now on the emulator refuses every invoice create the way Intuit refuses a business rule (400, fault
 * 6000), until `sandbox.control.clearFaults()`. The emulator calls a create (POST without ?operation=)
 * `write`. Returns the rule, whose id marks the refused requests in the emulator's request log.
 */
export function refuseInvoiceCreates(sandbox: Sandbox) {
  return sandbox.control.injectFault({
    match: { entity: 'invoice', operation: 'write' },
    times: null,
    action: {
      type: 'status',
      status: 400,
      fault: {
        code: '6000',
        message: 'A business validation error has occurred while processing your request',
        detail: 'Business Validation Error: Unexpected Error. Please contact support.',
      },
    },
  });
}

export interface PanelRig {
  sandbox: Sandbox;
  graph: Graph;
  worker: EntryProcess;
  web: WebServer;
  context: BrowserContext;
  /** A new tab; its console errors and uncaught exceptions are kept for the failure message. */
  newPage(): Promise<Page>;
  /** Signs in through the panel's own dev sign-in page, then waits for the QuickBooks panel. */
  signIn(page: Page, role: 'admin' | 'member', tenantId?: string): Promise<void>;
  /** Saves a full-page screenshot under test-output/browser. */
  screenshot(page: Page, name: string): Promise<string>;
  /** axe in the page: no serious or critical violation (WCAG 2.1 A and AA rules). */
  expectAccessible(page: Page): Promise<void>;
  /** Console errors and page errors seen so far, across pages. */
  browserErrors(): string[];
  close(): Promise<void>;
}

/**
 * The product as a person meets it: the web panel (web/dist served by web/server) in Debian's Chromium,
 * talking to the real gateway in front of the demo host and this subgraph, a worker process pushing to the
 * QuickBooks emulator (whose webhooks reach the API), whose consent page waits for a click. Only the ports differ from `npm start`.
 */
export async function startPanel(options: { api?: Record<string, string> } = {}): Promise<PanelRig> {
  const webPort = await freePort();
  const webOrigin = `http://127.0.0.1:${webPort}`;
  const { sandbox, graph } = await startGraphWithEmulator({
    api: {
      QUICKBOOKS_PUSH_DEBOUNCE_MS: '300',
      QUICKBOOKS_RETURN_TO_ORIGINS: webOrigin,
      // Payments recorded in the emulator come back as they do from Intuit: signed webhooks to the API.
      QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: EMULATOR_DEFAULT_VERIFIER_TOKEN,
      ...options.api,
    },
    notifyQuickBooks: true,
  });
  sandbox.control.updateApp(sandbox.app.clientId, {
    webhookUrl: `${graph.api.config.quickbooks.publicUrl}${QUICKBOOKS_WEBHOOK_PATH}`,
  });
  const worker = startEntry(
    'src/workers/index.ts',
    workerEnv(graph.api.config, { emulatorUrl: sandbox.url, hostGraphqlUrl: graph.gatewayUrl }),
  );
  let web: WebServer | undefined;
  let context: BrowserContext | undefined;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbs-chromium-'));
  try {
    await worker.waitFor('workers started', 60_000);
    web = await startWebServer({
      port: webPort,
      gatewayUrl: graph.gatewayUrl,
      // This run's build (browser-global-setup.mjs); web/dist when a file runs outside Jest's setup.
      distDir: process.env.PANEL_DIST ?? WEB_DIST,
      devSignIn: {
        secret: TEST_JWT_SECRET,
        tenants: [
          { id: TENANT, name: 'Acme Plumbing & HVAC LLC' },
          { id: OTHER_TENANT, name: 'Nordlys Elektro AS' },
        ],
      },
    });
    const executablePath = process.env.CHROMIUM_PATH;
    if (!executablePath)
      throw new Error('CHROMIUM_PATH is unset: run the browser tests through Jest (npm test)');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      baseURL: web.url,
      viewport: { width: 1280, height: 900 },
    });
  } catch (error) {
    await context?.close();
    await web?.close();
    await worker.stop();
    await graph.close();
    await sandbox.close();
    throw error;
  }
  const errors: string[] = [];
  const ctx = context;
  const server = web;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });

  return {
    sandbox,
    graph,
    worker,
    web: server,
    context: ctx,
    async newPage() {
      const page = await ctx.newPage();
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') {
          errors.push(`console: ${message.text()} (${message.location().url || 'no source'})`);
        }
      });
      return page;
    },
    async signIn(page, role, tenantId = TENANT) {
      await page.goto('/sign-in');
      await page.getByLabel('Tenant').selectOption(tenantId);
      await page.getByRole('radio', { name: role === 'admin' ? /Admin/ : /Member/ }).check();
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'QuickBooks' }).waitFor();
    },
    async screenshot(page, name) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async expectAccessible(page) {
      const results = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      const serious = results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map(
          (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
        );
      expect(serious).toEqual([]);
    },
    browserErrors: () => [...errors],
    async close() {
      await ctx.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
      await server.close();
      await worker.stop();
      await graph.close();
      await sandbox.close();
    },
  };
}
