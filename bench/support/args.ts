import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository this benchmark runs from. */
export const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `--name value` from the command line, else the fallback. */
export function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

/**
 * The checkouts to run: `--root` for the subgraphs (default this one) and `--gateway-root` for the gateway
 * (default the same), so one side's change can be measured alone.
 */
export function checkoutRoots(): { root: string; gatewayRoot: string } {
  const root = path.resolve(arg('root', here));
  return { root, gatewayRoot: path.resolve(arg('gateway-root', root)) };
}
