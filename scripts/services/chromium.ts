import { execFileSync } from 'node:child_process';
import { which } from './which.js';

/**
 * The browser the web panel's tests drive: Debian's `chromium` package (Playwright's downloaded builds
 * cannot be fetched on our machines). CHROMIUM_PATH picks another binary. Installed once when missing and
 * this runs as root, the way redis-server is; fast when already there.
 */
export function ensureChromium(log: (line: string) => void): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  const found = which('chromium') ?? which('chromium-browser');
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(
      'The browser tests need Chromium. Install it (apt-get install chromium) or set CHROMIUM_PATH.',
    );
  }
  log('installing chromium from Debian packages (one time)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: 'ignore',
    env,
  });
  const installed = which('chromium');
  if (!installed) throw new Error('apt-get installed chromium but no `chromium` is on PATH');
  return installed;
}

/**
 * Headless Chromium as our machines need it: no sandbox (containers run as root without user namespaces),
 * no GPU, and nothing that phones home or updates itself during a test.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-dev-shm-usage',
];
