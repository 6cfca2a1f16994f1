import path from 'node:path';
import { build } from 'vite';

export const WEB_ROOT = path.resolve(import.meta.dirname, '..');
export const WEB_DIST = path.join(WEB_ROOT, 'dist');

/**
 * Builds the app into web/dist with web/vite.config.ts. The operations' types (web/src/generated) come from
 * `npm run codegen:test`, which `npm start` and `npm test` run first.
 */
export async function buildWeb(options: { quiet?: boolean; outDir?: string } = {}): Promise<void> {
  // Vite takes NODE_ENV from the environment when it is set: `npm start` sets development and Jest test,
  // either of which would bundle React's and react-router's development builds and the dev JSX runtime.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      mode: 'production',
      root: WEB_ROOT,
      configFile: path.join(WEB_ROOT, 'vite.config.ts'),
      logLevel: options.quiet ? 'warn' : 'info',
      ...(options.outDir ? { build: { outDir: options.outDir, emptyOutDir: true } } : {}),
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}
