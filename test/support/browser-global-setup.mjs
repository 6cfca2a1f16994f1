// Plain ESM so Jest loads it natively, like global-setup.mjs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import servicesSetup from './global-setup.mjs';

/**
 * The browser project's setup: the backing services, Chromium (Debian's package, installed when missing)
 * and one build of the web panel that every browser test of this run serves (PANEL_DIST). The build goes
 * to a directory of its own, so a concurrent run or `npm start` never swaps files under a page.
 */
export default async function browserGlobalSetup() {
  await servicesSetup();
  const { ensureChromium } = await tsImport('../../scripts/services/index.ts', import.meta.url);
  process.env.CHROMIUM_PATH = ensureChromium((line) => process.stdout.write(`[browser tests] ${line}\n`));
  const started = Date.now();
  const { buildWeb } = await tsImport('../../web/server/build.ts', import.meta.url);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbs-web-'));
  await buildWeb({ quiet: true, outDir });
  process.env.PANEL_DIST = outDir;
  process.stdout.write(`[browser tests] web panel built in ${Date.now() - started} ms\n`);
}
