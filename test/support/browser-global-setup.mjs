// Plain ESM so Jest loads it natively, like global-setup.mjs.
import { tsImport } from 'tsx/esm/api';
import servicesSetup from './global-setup.mjs';

/**
 * The browser project's setup: the backing services, Chromium (Debian's package, installed when missing)
 * and one build of the web panel (web/dist) that every browser test serves.
 */
export default async function browserGlobalSetup() {
  await servicesSetup();
  const { ensureChromium } = await tsImport('../../scripts/services/index.ts', import.meta.url);
  process.env.CHROMIUM_PATH = ensureChromium((line) => process.stdout.write(`[browser tests] ${line}\n`));
  const started = Date.now();
  const { buildWeb } = await tsImport('../../web/server/build.ts', import.meta.url);
  await buildWeb({ quiet: true });
  process.stdout.write(`[browser tests] web panel built in ${Date.now() - started} ms\n`);
}
