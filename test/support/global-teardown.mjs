import fs from 'node:fs';

export default async function globalTeardown() {
  // Both projects that started services name this teardown; the first call stops them.
  const services = globalThis.__qbsServices;
  globalThis.__qbsServices = undefined;
  await services?.stop();
  // The browser project's build of the web panel (browser-global-setup.mjs).
  if (process.env.PANEL_DIST) fs.rmSync(process.env.PANEL_DIST, { recursive: true, force: true });
}
