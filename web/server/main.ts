/**
 * `npm start` runs this after building the app: the web panel on WEB_PORT, talking to the gateway at
 * GATEWAY_PUBLIC_URL. With AUTH_MODE=dev-insecure (the embedded default) the sign-in page picks a demo
 * tenant and a role; otherwise a person pastes a token their identity provider issued.
 */
import path from 'node:path';
import { z } from 'zod';
import { seedData } from '../../examples/host-subgraph/src/seed.js';
import { DEV_INSECURE_JWT_SECRET } from '../../src/config.js';
import { startWebServer } from './index.js';

const env = z
  .object({
    WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    WEB_HOST: z.string().min(1).default('127.0.0.1'),
    GATEWAY_PUBLIC_URL: z.url().default('http://127.0.0.1:4000/graphql'),
    AUTH_MODE: z.enum(['jwt', 'dev-insecure']).default('jwt'),
    WEB_DIST_DIR: z.string().min(1).optional(),
  })
  .parse(process.env);

const server = await startWebServer({
  port: env.WEB_PORT,
  host: env.WEB_HOST,
  gatewayUrl: env.GATEWAY_PUBLIC_URL,
  distDir: env.WEB_DIST_DIR ?? path.resolve(import.meta.dirname, '../../../web/dist'),
  ...(env.AUTH_MODE === 'dev-insecure'
    ? {
        devSignIn: {
          secret: DEV_INSECURE_JWT_SECRET,
          tenants: seedData().customers.map(({ id, name }) => ({ id, name })),
        },
      }
    : {}),
});
console.log(`web panel listening on ${server.url} (gateway ${env.GATEWAY_PUBLIC_URL})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void server.close().then(() => process.exit(0)));
}
