/**
 * The web panel's own server: it serves the built app (web/dist) and the little the browser needs before it
 * can talk to the gateway: where the gateway is, and, in development, a sign-in that mints a dev token for
 * a demo tenant and role. Every GraphQL operation goes from the browser straight to the gateway.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { z } from 'zod';
import { mintToken } from '../../src/auth/dev-tokens.js';

export interface WebTenant {
  id: string;
  name: string;
}

export interface WebServerOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** The federated gateway's GraphQL URL as the browser reaches it (HTTP; graphql-ws on the same path). */
  gatewayUrl: string;
  /** The built app (vite build's outDir). */
  distDir: string;
  /**
   * Development sign-in: tokens signed with the secret the graph accepts in dev mode, for these tenants
   * only. Absent in production, where the platform's own identity provider issues tokens.
   */
  devSignIn?: { secret: string; tenants: WebTenant[] };
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/** What the app reads at start-up (GET /config.json); never a secret. */
export interface WebRuntimeConfig {
  gatewayUrl: string;
  devSignIn: { tenants: WebTenant[] } | null;
}

const devSessionRequest = z.object({
  tenantId: z.string().min(1),
  role: z.enum(['admin', 'member']),
  /** Shown in the audit log as who acted; defaults to one per role. */
  userId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i)
    .optional(),
});

export function createWebApp(options: Omit<WebServerOptions, 'port' | 'host'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const runtimeConfig: WebRuntimeConfig = {
    gatewayUrl: options.gatewayUrl,
    devSignIn: options.devSignIn ? { tenants: options.devSignIn.tenants } : null,
  };

  app.get('/config.json', (_req, res) => {
    res.set('cache-control', 'no-store').json(runtimeConfig);
  });

  app.post('/dev/session', express.json({ limit: '2kb' }), async (req, res) => {
    const signIn = options.devSignIn;
    if (!signIn) {
      res.status(404).json({ error: 'Development sign-in is off on this server' });
      return;
    }
    const parsed = devSessionRequest.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'Expected { tenantId, role: "admin" | "member" }' });
      return;
    }
    const { tenantId, role } = parsed.data;
    if (!signIn.tenants.some((tenant) => tenant.id === tenantId)) {
      res.status(400).json({ error: `Unknown demo tenant ${tenantId}` });
      return;
    }
    const userId = parsed.data.userId ?? `dev-${role}`;
    const token = await mintToken(signIn.secret, {
      userId,
      tenants: [tenantId],
      adminOf: role === 'admin' ? [tenantId] : [],
    });
    res.set('cache-control', 'no-store').json({ token, userId });
  });

  // Hashed asset names never change content: cache them; index.html must always be fresh.
  app.use(
    '/assets',
    express.static(path.join(options.distDir, 'assets'), {
      immutable: true,
      maxAge: '1y',
      fallthrough: false,
    }),
  );
  app.use(express.static(options.distDir, { index: false }));
  // The app routes in the browser (react-router): any other GET is the app itself.
  app.get('/{*path}', (_req, res) => {
    res.set('cache-control', 'no-store').sendFile(path.join(options.distDir, 'index.html'));
  });
  return app;
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const app = createWebApp(options);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const listening = app.listen(options.port, host, (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
