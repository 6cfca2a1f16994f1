import Fastify from 'fastify';
import { isIP } from 'node:net';
import { registerApiRoutes } from './api/routes.js';
import type { AppInput, RegisteredApp } from './apps.js';
import { DEFAULT_APP } from './apps.js';
import type { RealmOptions } from './company/realm.js';
import { DEFAULT_REALMS } from './company/seed.js';
import type { RealmSummary } from './control/control.js';
import { SandboxControl } from './control/control.js';
import { registerAppPages } from './app-pages.js';
import {
  CONTROL_PREFIX,
  guard,
  hostName,
  isLoopbackAddress,
  LOOPBACK_HOSTS,
  registerControlRoutes,
} from './control/routes.js';
import { SandboxCore } from './core.js';
import { Faults, renderFault } from './errors.js';
import type { SandboxLogger } from './logger.js';
import { silentLogger } from './logger.js';
import { OAUTH_PATHS, registerOAuthRoutes } from './oauth/routes.js';
import { ACCOUNTING_SCOPE } from './oauth/tokens.js';
import type { DeepPartial, SandboxSettings } from './settings.js';
import { applySettingsPatch, defaultSettings } from './settings.js';
import { newIntuitTid } from './util/ids.js';

export type { RegisteredApp, AppInput } from './apps.js';
export { DEFAULT_APP } from './apps.js';
export type { RealmOptions, Country } from './company/realm.js';
export { DEFAULT_REALMS } from './company/seed.js';
export type { SandboxControl, RealmSummary, IssuedTokenSet } from './control/control.js';
export type { FaultRuleInput, LatencyRuleInput, FaultAction, FaultMatch } from './faults.js';
export type { RequestLogEntry } from './request-log.js';
export type { DeliveryRecord, WebhookEvent } from './webhooks.js';
export type { SandboxSettings, DeepPartial } from './settings.js';
export type { SandboxLogger } from './logger.js';
export { defaultSettings } from './settings.js';

export interface SandboxOptions {
  /** 0 picks a free port (tests). The CLI uses 4010. */
  port?: number;
  host?: string;
  /** Base URL to advertise when the emulator sits behind a proxy; defaults to http://host:port. */
  publicUrl?: string;
  /** Overrides for the default development app (always registered first). */
  defaultApp?: Partial<AppInput>;
  /** Further registered apps. */
  apps?: AppInput[];
  /** Companies to host; defaults to one US, one Canadian and one UK company. */
  realms?: RealmOptions[];
  settings?: DeepPartial<SandboxSettings>;
  logger?: SandboxLogger;
  /** Who may use `/_sandbox` over HTTP; the in-process `control` is never restricted. */
  controlSurface?: ControlSurfaceOptions;
}

export interface ControlSurfaceOptions {
  /**
   * Answer `/_sandbox` requests from other machines (default false: only loopback peers, whatever `host` the
   * emulator listens on; the OAuth and API routes answer everyone). It has no authentication: anyone who
   * reaches it can read client secrets, issue tokens and reset the emulator.
   */
  allowRemote?: boolean;
  /**
   * Host header names accepted besides `localhost`, `127.0.0.1`, `[::1]` and the address the emulator is
   * bound to (port not compared), e.g. a Docker service name. Anything else is refused to stop DNS rebinding.
   */
  allowedHosts?: string[];
}

export interface SandboxEndpoints {
  authorize: string;
  token: string;
  revoke: string;
  userinfo: string;
  jwks: string;
}

export interface Sandbox {
  /** Root URL, e.g. http://127.0.0.1:4010. */
  url: string;
  /** Where Intuit's appcenter / oauth.platform / developer.api hosts live: the same server. */
  oauthBaseUrl: string;
  /** Replaces https://sandbox-quickbooks.api.intuit.com. */
  apiBaseUrl: string;
  discoveryUrl: string;
  endpoints: SandboxEndpoints;
  controlUrl: string;
  control: SandboxControl;
  /** The default development app. */
  app: RegisteredApp;
  /** The companies hosted at start-up. */
  realms: RealmSummary[];
  /** Builds an authorize URL for the default app (or another registered one). */
  authorizeUrl(input?: {
    scopes?: string[];
    state?: string;
    redirectUri?: string;
    clientId?: string;
  }): string;
  close(): Promise<void>;
}

function isLoopbackHost(host: string): boolean {
  const name = hostName(host);
  return name === 'localhost' || isLoopbackAddress(name?.replace(/^\[|\]$/g, ''));
}

function warnAboutExposure(
  logger: SandboxLogger,
  host: string,
  allowRemote: boolean,
  allowedHosts: string[],
): void {
  if (isLoopbackHost(host)) return;
  const hosts = [...LOOPBACK_HOSTS, ...allowedHosts].join(', ');
  if (allowRemote) {
    logger(
      'warn',
      `WARNING: listening on ${host} with the control surface (${CONTROL_PREFIX}) open to the network. ` +
        "It has no authentication: anyone who can reach this port can read every app's client secret, " +
        `issue tokens for every company, install faults and reset the emulator. Accepted Host names: ${hosts}.`,
    );
  } else {
    logger(
      'warn',
      `WARNING: listening on ${host}: the OAuth and API routes answer any client, but the control surface ` +
        `(${CONTROL_PREFIX}) answers clients on this machine only. To open it to the network (it has no ` +
        'authentication), pass --allow-remote-control (controlSurface.allowRemote) and name the Host with ' +
        '--control-host (controlSurface.allowedHosts).',
    );
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const settings = defaultSettings();
  if (options.settings) applySettingsPatch(settings, options.settings);
  const defaultApp: AppInput = { ...DEFAULT_APP, ...options.defaultApp };
  const core = await SandboxCore.create({
    settings,
    apps: [defaultApp, ...(options.apps ?? [])],
    realms: options.realms ?? DEFAULT_REALMS,
    logger: options.logger ?? silentLogger,
  });
  const control = new SandboxControl(core);

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 20 * 1024 * 1024 });
  // Bodies arrive as text: the API answers bad JSON with an Intuit fault, the query endpoint takes
  // application/text, and requestid replay compares raw bodies.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error, _request, reply) => {
    core.logger('error', 'unhandled sandbox error', {
      error: error instanceof Error ? error.message : String(error),
    });
    void reply.code(500).send({ error: 'sandbox internal error' });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path.startsWith('/v3/')) {
      const now = core.clock.now();
      const result = renderFault(Faults.unknownResource(settings.api.unknownResourceStatus, path), now, -480);
      return reply
        .code(result.status)
        .headers({ ...result.headers, intuit_tid: newIntuitTid(now) })
        .send(result.body);
    }
    return reply.code(404).send({ error: 'not found', path });
  });

  registerOAuthRoutes(app, core);
  registerApiRoutes(app, core);
  const host = options.host ?? '127.0.0.1';
  const allowRemote = options.controlSurface?.allowRemote ?? false;
  // A bound IP literal is safe to accept as a Host: rebinding needs a name the attacker's DNS answers for.
  const boundHost = isIP(host) !== 0 && host !== '0.0.0.0' && host !== '::' ? [host] : [];
  const allowedHosts = [...boundHost, ...(options.controlSurface?.allowedHosts ?? [])];
  registerControlRoutes(app, control, { allowRemote, allowedHosts });
  registerAppPages(app, core, guard({ allowRemote, allowedHosts }));
  app.get('/', (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><meta charset="utf-8"><title>QuickBooks Online sandbox emulator</title>` +
          `<h1>QuickBooks Online sandbox emulator</h1><p><a href="${sandbox.authorizeUrl()}">Connect the default development app</a></p>` +
          `<p>Discovery: <a href="${sandbox.discoveryUrl}">${sandbox.discoveryUrl}</a></p>`,
      ),
  );

  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = (options.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(
    /\/$/,
    '',
  );
  core.baseUrl = url;
  warnAboutExposure(core.logger, host, allowRemote, allowedHosts);

  const firstApp = core.apps.list()[0];
  if (!firstApp) throw new Error('the default app was not registered');
  const sandbox: Sandbox = {
    url,
    oauthBaseUrl: url,
    apiBaseUrl: url,
    discoveryUrl: `${url}${OAUTH_PATHS.discoverySandbox}`,
    endpoints: {
      authorize: `${url}${OAUTH_PATHS.authorize}`,
      token: `${url}${OAUTH_PATHS.token}`,
      revoke: `${url}${OAUTH_PATHS.revoke}`,
      userinfo: `${url}${OAUTH_PATHS.userinfo}`,
      jwks: `${url}${OAUTH_PATHS.jwks}`,
    },
    controlUrl: `${url}${CONTROL_PREFIX}`,
    control,
    app: { ...firstApp },
    realms: control.listRealms(),
    authorizeUrl(input = {}) {
      const client = core.apps.get(input.clientId ?? firstApp.clientId) ?? firstApp;
      const params = new URLSearchParams({
        client_id: client.clientId,
        response_type: 'code',
        scope: (input.scopes ?? [ACCOUNTING_SCOPE, 'openid', 'profile', 'email']).join(' '),
        redirect_uri: input.redirectUri ?? client.redirectUris[0] ?? '',
        state: input.state ?? 'sandbox-state',
      });
      return `${url}${OAUTH_PATHS.authorize}?${params.toString()}`;
    },
    async close() {
      core.webhooks.close();
      core.releaseTimers();
      await app.close();
    },
  };
  return sandbox;
}
