import { freePort } from '../../../scripts/services/index.js';
import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../sandbox/src/index.js';
import type { QuickBooksSettings } from '../../../src/config.js';
import type { AccessTokenSource } from '../../../src/quickbooks/client.js';
import { QuickBooksClient } from '../../../src/quickbooks/client.js';
import { emulatorEndpoints } from '../../../src/quickbooks/endpoints.js';
import { QuickBooksHttp, SYSTEM_EDGES } from '../../../src/quickbooks/http.js';
import { IntuitOAuthClient } from '../../../src/quickbooks/oauth.js';
import type { RetryPolicy } from '../../../src/quickbooks/retry.js';
import type { TokenSet } from '../../../src/quickbooks/tokens.js';

export const US_REALM = '9341455130166501';
export const CA_REALM = '9341455130166502';

/** Every log line the code under test wrote, to prove no credential reached them. */
export class CapturedLog {
  readonly lines: string[] = [];
  readonly logger = pino(
    { level: 'debug' },
    new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.lines.push(chunk.toString());
        done();
      },
    }),
  );

  text(): string {
    return this.lines.join('');
  }
}

export interface EmulatorFixture {
  readonly sandbox: Sandbox;
  readonly log: CapturedLog;
  /** Sleeps the sender asked for, recorded instead of waited (retries stay instant and deterministic). */
  readonly sleeps: number[];
  http(overrides?: { apiBaseUrl?: string; timeoutMs?: number; retry?: Partial<RetryPolicy> }): QuickBooksHttp;
  oauth(overrides?: Partial<QuickBooksSettings>): IntuitOAuthClient;
  /** A token source over a real grant at the emulator, refreshing through the real token endpoint. */
  tokens(realmId?: string, scopes?: string[]): EmulatorTokens;
  client(realmId?: string, tokens?: AccessTokenSource): QuickBooksClient;
}

/** Refreshes with the grant's refresh token (as the vault will), and records what it was asked. */
export class EmulatorTokens implements AccessTokenSource {
  readonly refreshedAfter: string[] = [];

  constructor(
    private readonly oauth: IntuitOAuthClient,
    public current: Pick<TokenSet, 'accessToken' | 'refreshToken'>,
  ) {}

  getAccessToken(): Promise<string> {
    return Promise.resolve(this.current.accessToken);
  }

  async refreshAfterUnauthorized(rejected: string): Promise<string> {
    this.refreshedAfter.push(rejected);
    this.current = await this.oauth.refresh(this.current.refreshToken);
    return this.current.accessToken;
  }
}

/**
 * One emulator per test file on a free port, reset before every test so no test depends on another's
 * leftovers. Intuit's 10 requests a second per realm is off: the paging and batch tests send bursts.
 */
export function useEmulator(options: SandboxOptions = {}): EmulatorFixture {
  let sandbox: Sandbox | undefined;
  let log = new CapturedLog();
  let sleeps: number[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      ...options,
      settings: { ...options.settings, limits: { perSecond: null, ...options.settings?.limits } },
    });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(() => {
    sandbox?.control.reset();
    log = new CapturedLog();
    sleeps = [];
  });
  const running = (): Sandbox => {
    if (!sandbox) throw new Error('the emulator is read before beforeAll ran');
    return sandbox;
  };
  const fixture: EmulatorFixture = {
    get sandbox() {
      return running();
    },
    get log() {
      return log;
    },
    get sleeps() {
      return sleeps;
    },
    http(overrides = {}) {
      return new QuickBooksHttp({
        ...SYSTEM_EDGES,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        random: () => 0.5,
        apiBaseUrl: overrides.apiBaseUrl ?? running().apiBaseUrl,
        timeoutMs: overrides.timeoutMs ?? 10_000,
        logger: log.logger,
        retry: overrides.retry,
      });
    },
    oauth(overrides = {}) {
      const emulator = running();
      return new IntuitOAuthClient({
        ...SYSTEM_EDGES,
        settings: {
          environment: 'emulator',
          clientId: emulator.app.clientId,
          clientSecret: emulator.app.clientSecret,
          redirectUri: emulator.app.redirectUris[0] ?? '',
          scopes: ['com.intuit.quickbooks.accounting'],
          pkce: false,
          httpTimeoutMs: 10_000,
          ...overrides,
        },
        endpoints: emulatorEndpoints(emulator.url),
        logger: log.logger,
      });
    },
    tokens(realmId = US_REALM, scopes) {
      const issued = running().control.issueTokens({ realmId, scopes });
      return new EmulatorTokens(fixture.oauth(), {
        accessToken: issued.access_token,
        refreshToken: issued.refresh_token,
      });
    },
    client(realmId = US_REALM, tokens) {
      return new QuickBooksClient({
        http: fixture.http(),
        realmId,
        tokens: tokens ?? fixture.tokens(realmId),
      });
    },
  };
  return fixture;
}

/** A port nothing listens on: a free port, closed again. */
export const closedPort = freePort;
