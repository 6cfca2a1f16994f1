/**
 * The QuickBooks connect flow end to end, in one test process: the emulator on a free port, and the API
 * (src/api.ts, the real composition root) on a port chosen up front, so its PUBLIC_URL and OAuth redirect
 * URI are known before it starts and can be registered on the emulator's app, as an operator registers
 * them on the Intuit app's Keys tab. Real Redis and the MongoDB-compatible store from the global setup.
 */
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import type { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { randomBytes } from 'node:crypto';
import { startSandbox, type RequestLogEntry, type Sandbox } from '../../sandbox/src/index.js';
import { freePort } from '../../scripts/services/index.js';
import { startApi, type RunningApi } from '../../src/api.js';
import type { TokenClaims } from '../../src/auth/dev-tokens.js';
import { QUICKBOOKS_CALLBACK_PATH, QUICKBOOKS_RESULT_PATH, type Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { createConnectionEvents } from '../../src/events/connection-events.js';
import { models, RealmOwnerModel } from '../../src/models/index.js';
import { createQuickBooksSide, type QuickBooksSide } from '../../src/quickbooks/setup.js';
import { AuditLogService } from '../../src/services/audit-log.js';
import { reportConnectionStateChanges } from '../../src/services/connect/state-changes.js';
import { TokenCipher } from '../../src/quickbooks/vault/token-cipher.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import { Browser, choose, readForm, type BrowserResponse, type BrowserStep } from './connect-browser.js';
import {
  AUDIT_LOG,
  CONNECT,
  CONNECTION,
  postGraphQL,
  type AuditEntryResult,
  type AuditLogResult,
  type ConnectionQueryResult,
  type ConnectionResult,
  type ConnectResult,
  type GraphQLResponse,
} from './connect-graphql.js';
import { silentLogger, testConfig, tokenFor, uniqueName } from './harness.js';
import { readStored, type StoredTokens } from './refresh-fixtures.js';

/** The settings page's origin: the only returnTo origin allowed besides PUBLIC_URL's. */
export const APP_ORIGIN = 'https://app.example.test';
export const SETTINGS_PAGE = `${APP_ORIGIN}/settings/integrations/quickbooks?tab=accounting`;
export const TOKEN_PATH = '/oauth2/v1/tokens/bearer';
export const REVOKE_PATH = '/v2/oauth2/tokens/revoke';

/** How the emulator's authorize endpoint answers: the consent page, or an immediate approve / deny. */
export type AuthorizeMode = 'manual' | 'approve' | 'deny';

export interface ConnectOptions {
  realmId: string;
  returnTo?: string | null;
  mode?: AuthorizeMode;
  /** In manual mode, the consent page button the person presses. */
  button?: 'Connect' | 'Cancel';
}

export interface ConnectOutcome {
  authorizeUrl: string;
  /** Where the emulator sent the browser: our callback with code, state and realmId (or error). */
  callbackUrl: string;
  /** Our callback's answer. */
  callback: BrowserResponse;
  steps: BrowserStep[];
}

/** A tenant admin, as the platform's identity provider would describe them. */
export const adminOf = (tenantId: string, userId = `admin-of-${tenantId}`): TokenClaims => ({
  userId,
  tenants: [tenantId],
  adminOf: [tenantId],
});
export const memberOf = (tenantId: string, userId = `member-of-${tenantId}`): TokenClaims => ({
  userId,
  tenants: [tenantId],
});

export class ConnectRig {
  private readonly extraRedis: Redis[] = [];
  readonly cipher: TokenCipher;
  readonly callbackUrl: string;
  readonly resultUrl: string;

  private constructor(
    readonly sandbox: Sandbox,
    readonly api: RunningApi,
    readonly config: Config,
    /** For the test's own look-ups (pending OAuth states, pub/sub channels). */
    readonly redis: Redis,
  ) {
    this.cipher = new TokenCipher(config.quickbooks.tokenKeys);
    this.callbackUrl = `${config.quickbooks.publicUrl}${QUICKBOOKS_CALLBACK_PATH}`;
    this.resultUrl = `${config.quickbooks.publicUrl}${QUICKBOOKS_RESULT_PATH}`;
  }

  static async start(options: { logger?: Logger; env?: Record<string, string> } = {}): Promise<ConnectRig> {
    const sandbox = await startSandbox({ port: 0, settings: { limits: { perSecond: null } } });
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    // Secrets of its own (not the public dev defaults), so the log test can look for them.
    const config = testConfig({
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      QUICKBOOKS_EMULATOR_URL: sandbox.url,
      QUICKBOOKS_RETURN_TO_ORIGINS: APP_ORIGIN,
      QUICKBOOKS_STATE_SECRET: randomBytes(32).toString('hex'),
      QUICKBOOKS_TOKEN_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      ...options.env,
    });
    sandbox.control.updateApp(sandbox.app.clientId, {
      redirectUris: [...sandbox.app.redirectUris, `${publicUrl}${QUICKBOOKS_CALLBACK_PATH}`],
    });
    const api = await startApi(config, options.logger ?? silentLogger());
    return new ConnectRig(sandbox, api, config, createRedis(config.redis.url, 'pubsub'));
  }

  async close(): Promise<void> {
    for (const client of [this.redis, ...this.extraRedis]) await closeRedis(client);
    await mongoose.connection.db?.dropDatabase();
    await this.api.close();
    await this.sandbox.close();
  }

  /**
   * The QuickBooks side as the worker process builds it (src/workers/runtime.ts): its own vault, whose
   * refusals reach the audit log and, through Redis, the API's subscribers.
   */
  workerSide(logger: Logger = silentLogger()): QuickBooksSide {
    const commandClient = createRedis(this.config.redis.url, 'pubsub');
    this.extraRedis.push(commandClient);
    const auditLog = new AuditLogService({ models });
    const connectionEvents = createConnectionEvents({
      publishClient: commandClient,
      subscribeClient: commandClient,
      prefix: this.config.redis.prefix,
    });
    return createQuickBooksSide({
      config: this.config,
      models,
      redis: commandClient,
      logger,
      onStateChange: reportConnectionStateChanges({ auditLog, connectionEvents, logger }),
    });
  }

  /** A tenant (host Customer id) no other test uses. */
  newTenant(label = 'cust'): string {
    return uniqueName(label);
  }

  /** A QuickBooks company of its own for one test, so realm ownership never crosses tests. */
  newRealm(): { realmId: string; companyName: string } {
    const realmId = `93414${randomBytes(5).readUIntBE(0, 5).toString().padStart(13, '0')}`.slice(0, 18);
    const companyName = `Plumbing ${realmId.slice(-4)} LLC`;
    this.sandbox.control.createRealm({ realmId, country: 'US', companyName });
    return { realmId, companyName };
  }

  async graphql<TData>(
    claims: TokenClaims | undefined,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphQLResponse<TData>> {
    return postGraphQL<TData>(this.api.url, claims && (await tokenFor(claims)), query, variables);
  }

  /** connectQuickBooks as the settings page calls it; throws on errors (tests of errors call graphql). */
  async startConnect(claims: TokenClaims, customerId: string, returnTo?: string | null): Promise<string> {
    const response = await this.graphql<ConnectResult>(claims, CONNECT, { customerId, returnTo });
    const authorizeUrl = response.data?.connectQuickBooks.authorizeUrl;
    if (!authorizeUrl) throw new Error(`connectQuickBooks failed: ${response.text}`);
    return authorizeUrl;
  }

  /**
   * The person at Intuit: opens the authorize URL and, on the consent page, picks the company and presses
   * a button; answers where the emulator sends the browser next (our callback).
   */
  async authorize(browser: Browser, authorizeUrl: string, options: ConnectOptions): Promise<string> {
    const mode = options.mode ?? 'manual';
    this.sandbox.control.setAuthorizeMode(mode, mode === 'approve' ? options.realmId : null);
    const page = await browser.get(authorizeUrl);
    let redirect = page;
    if (mode === 'manual') {
      if (page.status !== 200) throw new Error(`consent page answered ${page.status}: ${page.text}`);
      const form = readForm(page.text, authorizeUrl);
      const button = options.button ?? 'Connect';
      redirect = await browser.submit(
        form,
        choose(form, button === 'Connect' ? options.realmId : undefined, button),
      );
    }
    if (redirect.status !== 302 || !redirect.location) {
      throw new Error(`expected a redirect to the callback, got ${redirect.status}: ${redirect.text}`);
    }
    return redirect.location;
  }

  /** The whole flow as an admin's browser goes through it, up to our callback's answer. */
  async connect(claims: TokenClaims, customerId: string, options: ConnectOptions): Promise<ConnectOutcome> {
    const browser = new Browser();
    const authorizeUrl = await this.startConnect(claims, customerId, options.returnTo);
    const callbackUrl = await this.authorize(browser, authorizeUrl, options);
    const callback = await browser.get(callbackUrl);
    return { authorizeUrl, callbackUrl, callback, steps: browser.steps };
  }

  /** Connects and insists it worked: for tests about what comes after. */
  async connected(
    customerId: string,
    realmId: string,
    claims = adminOf(customerId),
  ): Promise<ConnectOutcome> {
    const outcome = await this.connect(claims, customerId, { realmId, mode: 'approve' });
    const location = outcome.callback.location ?? '';
    if (outcome.callback.status !== 303 || !location.includes('quickbooks=connected')) {
      throw new Error(`connect failed: ${outcome.callback.status} ${location} ${outcome.callback.text}`);
    }
    return outcome;
  }

  async connection(customerId: string, claims = memberOf(customerId)): Promise<ConnectionResult> {
    const response = await this.graphql<ConnectionQueryResult>(claims, CONNECTION, { customerId });
    const connection = response.data?.quickbooksConnection;
    if (!connection) throw new Error(`quickbooksConnection failed: ${response.text}`);
    return connection;
  }

  /** The tenant's audit log, newest first (one page of up to 100). */
  async auditLog(customerId: string, claims = adminOf(customerId)): Promise<AuditEntryResult[]> {
    const response = await this.graphql<AuditLogResult>(claims, AUDIT_LOG, { customerId, first: 100 });
    const log = response.data?.quickbooksAuditLog;
    if (!log) throw new Error(`quickbooksAuditLog failed: ${response.text}`);
    return log.edges.map((edge) => edge.node);
  }

  /** What the database holds for the tenant, decrypted: for assertions only. */
  stored(customerId: string): Promise<StoredTokens> {
    return readStored(this.cipher, customerId);
  }

  async realmOwner(realmId: string): Promise<string | undefined> {
    const owner = await RealmOwnerModel.findById(realmId).lean<{ tenantId: string }>();
    return owner?.tenantId;
  }

  /** A position in the emulator's request log; `requestsSince` lists what came after it. */
  mark(): number {
    return this.sandbox.control.requests({ limit: 1 }).at(-1)?.seq ?? 0;
  }

  requestsSince(mark: number, path?: string): RequestLogEntry[] {
    return this.sandbox.control.requests({ sinceSeq: mark, ...(path ? { path } : {}) });
  }

  /** Status of a CompanyInfo read with this access token: 200 while the emulator honours it. */
  async companyInfoStatus(realmId: string, accessToken: string): Promise<number> {
    const response = await fetch(`${this.sandbox.apiBaseUrl}/v3/company/${realmId}/companyinfo/${realmId}`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** A refresh at the emulator's token endpoint with the app's credentials, as our vault would send it. */
  async refreshStatus(refreshToken: string): Promise<{ status: number; error?: string }> {
    const { clientId, clientSecret } = this.config.quickbooks;
    const response = await fetch(this.sandbox.endpoints.token, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
    });
    const body = (await response.json()) as { error?: string };
    return { status: response.status, ...(body.error ? { error: body.error } : {}) };
  }
}

/**
 * One rig per test file. The emulator is not reset between tests (its app registration and the grants
 * of earlier tests stay); tests stay apart by using their own tenants and their own companies
 * (`newTenant`, `newRealm`), and faults and the authorize mode are cleared after each test.
 */
export function useConnectRig(options: { logger?: Logger; env?: Record<string, string> } = {}) {
  let rig: ConnectRig | undefined;
  beforeAll(async () => {
    rig = await ConnectRig.start(options);
  });
  afterEach(() => {
    rig?.sandbox.control.clearFaults();
    rig?.sandbox.control.setAuthorizeMode('manual');
  });
  afterAll(async () => {
    await rig?.close();
  });
  return (): ConnectRig => {
    if (!rig) throw new Error('the connect rig is read before beforeAll ran');
    return rig;
  };
}
