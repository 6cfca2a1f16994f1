import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChangeEvent } from './api/service.js';
import { AccountingService } from './api/service.js';
import type { AppInput } from './apps.js';
import { AppRegistry } from './apps.js';
import { Clock } from './clock.js';
import type { RealmOptions } from './company/realm.js';
import { RealmRegistry } from './company/registry.js';
import type { HttpResult } from './errors.js';
import { Faults, QboFault, renderFault } from './errors.js';
import type { FaultAction, RequestTarget } from './faults.js';
import { FaultInjector } from './faults.js';
import { IdempotencyCache } from './idempotency.js';
import { RateLimiter } from './limits.js';
import type { SandboxLogger } from './logger.js';
import { IdTokenSigner } from './oauth/keys.js';
import { TokenStore } from './oauth/tokens.js';
import type { RequestLogEntry } from './request-log.js';
import { RequestLog } from './request-log.js';
import type { SandboxSettings } from './settings.js';
import { newIntuitTid } from './util/ids.js';
import { WebhookDispatcher } from './webhooks.js';

/** A hang with no duration lasts past Intuit's 120 s request timeout (§4.1). */
const DEFAULT_HANG_MS = 125_000;
const FALLBACK_OFFSET_MINUTES = -480;

export interface CoreOptions {
  settings: SandboxSettings;
  apps: AppInput[];
  realms: RealmOptions[];
  logger: SandboxLogger;
}

/** Per-request facts the pipeline needs before the handler runs. */
export interface RequestContext {
  target: RequestTarget;
  log: RequestLogEntry;
  intuitTid: string;
  /** Injected latency for this request; handlers call it where Intuit would be slow. */
  delay(): Promise<void>;
}

export type Handler = (ctx: RequestContext) => Promise<HttpResult> | HttpResult;

/**
 * Everything the emulator knows, plus the request pipeline every non-control route runs through:
 * intuit_tid, request log, fault injection (status / hang / drop / commit-then-drop), latency.
 */
export class SandboxCore {
  readonly clock = new Clock();
  readonly settings: SandboxSettings;
  readonly apps: AppRegistry;
  readonly realms: RealmRegistry;
  readonly tokens: TokenStore;
  readonly faults = new FaultInjector();
  readonly limits: RateLimiter;
  readonly idempotency: IdempotencyCache;
  readonly requestLog: RequestLog;
  readonly webhooks: WebhookDispatcher;
  readonly service: AccountingService;
  readonly logger: SandboxLogger;
  baseUrl = '';
  private readonly initialApps: AppInput[];
  private readonly initialSettings: SandboxSettings;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  private constructor(
    options: CoreOptions,
    readonly signer: IdTokenSigner,
  ) {
    this.settings = options.settings;
    this.initialSettings = structuredClone(options.settings);
    this.logger = options.logger;
    this.initialApps = options.apps;
    this.apps = new AppRegistry(options.apps);
    this.realms = new RealmRegistry(options.realms, () => this.settings.api.displayNameMatch);
    this.tokens = new TokenStore(this.clock, () => this.settings.oauth, {
      onConnect: (clientId, realmId) => this.realms.get(realmId)?.connectedApps.add(clientId),
      onDisconnect: (clientId, realmId) => this.realms.get(realmId)?.connectedApps.delete(clientId),
    });
    this.limits = new RateLimiter(this.clock, () => this.settings.limits);
    this.idempotency = new IdempotencyCache(this.clock, () => this.settings.idempotency);
    this.requestLog = new RequestLog(() => this.settings.requestLog.maxEntries);
    this.webhooks = new WebhookDispatcher(
      this.apps,
      (realmId) => this.realms.get(realmId),
      this.clock,
      () => this.settings.webhooks,
      this.logger,
    );
    this.service = new AccountingService(
      this.clock,
      () => this.settings,
      (event) => this.onChange(event),
    );
  }

  static async create(options: CoreOptions): Promise<SandboxCore> {
    return new SandboxCore(options, await IdTokenSigner.create());
  }

  private onChange(event: ChangeEvent): void {
    this.webhooks.onChange(event);
  }

  resetSettings(): void {
    Object.assign(this.settings, structuredClone(this.initialSettings));
  }

  resetApps(): void {
    this.apps.reset(this.initialApps);
  }

  offsetFor(realmId: string | undefined): number {
    return (
      (realmId === undefined ? undefined : this.realms.get(realmId)?.offsetMinutes) ?? FALLBACK_OFFSET_MINUTES
    );
  }

  renderError(error: unknown, realmId: string | undefined): HttpResult {
    const now = this.clock.now();
    if (error instanceof QboFault) return renderFault(error, now, this.offsetFor(realmId));
    this.logger('error', 'unexpected error in sandbox handler', {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    return renderFault(
      new QboFault({
        status: 500,
        code: '10000',
        message: 'An application error has occurred while processing your request',
        detail: 'System Failure Error: sandbox emulator internal error',
        type: 'SystemFault',
      }),
      now,
      this.offsetFor(realmId),
    );
  }

  /** Tracked so close() can release every hang and latency wait at once. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  releaseTimers(): void {
    for (const entry of this.timers) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.timers.clear();
  }

  async handle(
    request: FastifyRequest,
    reply: FastifyReply,
    target: RequestTarget,
    handler: Handler,
  ): Promise<void> {
    const started = performance.now();
    const now = this.clock.now();
    const intuitTid = newIntuitTid(now);
    const url = request.url;
    const queryIndex = url.indexOf('?');
    const log = this.requestLog.start({
      at: new Date(now).toISOString(),
      method: target.method,
      path: target.path,
      query: queryIndex === -1 ? '' : url.slice(queryIndex + 1),
      realmId: target.realmId ?? null,
      entity: target.entity ?? null,
      operation: target.operation ?? null,
      requestid: requestIdOf(request),
      clientId: null,
      intuitTid,
    });
    const finish = (status: number, outcome: RequestLogEntry['outcome']) => {
      log.status = status;
      log.outcome = outcome;
      log.durationMs = Math.round((performance.now() - started) * 100) / 100;
    };
    const drop = (outcome: RequestLogEntry['outcome']) => {
      reply.hijack();
      request.raw.socket.destroy();
      finish(0, outcome);
    };
    const ctx: RequestContext = {
      target,
      log,
      intuitTid,
      delay: () => this.sleep(this.faults.takeLatencyMs(target)),
    };

    const rule = this.faults.takeFault(target);
    let action: FaultAction | undefined = rule?.action;
    if (rule) log.fault = rule.id;
    let result: HttpResult;
    try {
      if (action?.type === 'drop') return drop('dropped');
      if (action?.type === 'hang') {
        const ms = action.ms ?? DEFAULT_HANG_MS;
        if (!action.thenCommit) {
          await this.holdUntil(ms, reply);
          return drop('hung');
        }
        // A slow commit happens whether or not the client is still waiting: the other way duplicates arise.
        await this.sleep(ms);
        action = undefined;
      }
      if (action?.type === 'status' || action?.type === 'throttle') {
        result = this.injectedResult(action, target.realmId);
      } else {
        result = await handler(ctx);
      }
    } catch (error) {
      result = this.renderError(error, target.realmId);
    }
    if (action?.type === 'commit-then-drop') return drop('dropped');
    if (reply.raw.destroyed || request.raw.socket.destroyed) {
      finish(0, 'dropped');
      return;
    }
    finish(result.status, 'responded');
    reply
      .code(result.status)
      .headers({ ...result.headers, intuit_tid: intuitTid })
      .send(result.body);
  }

  private async holdUntil(ms: number, reply: FastifyReply): Promise<void> {
    await Promise.race([
      this.sleep(ms),
      new Promise<void>((resolve) => reply.raw.once('close', () => resolve())),
    ]);
  }

  private injectedResult(action: FaultAction, realmId: string | undefined): HttpResult {
    const now = this.clock.now();
    if (action.type === 'throttle')
      return renderFault(
        Faults.throttled(this.settings.limits.retryAfterSeconds),
        now,
        this.offsetFor(realmId),
      );
    if (action.type !== 'status') throw new Error(`not a status fault: ${action.type}`);
    if (action.body !== undefined) {
      const body = typeof action.body === 'string' ? action.body : JSON.stringify(action.body);
      const contentType = typeof action.body === 'string' ? 'text/plain' : 'application/json;charset=UTF-8';
      return { status: action.status, headers: { 'content-type': contentType, ...action.headers }, body };
    }
    const fault = action.fault;
    const rendered = renderFault(
      new QboFault({
        status: action.status,
        code: fault?.code ?? '10000',
        message: fault?.message ?? 'An application error has occurred while processing your request',
        detail: fault?.detail ?? `Injected fault: HTTP ${action.status}`,
        type: fault?.type ?? (action.status >= 500 ? 'SystemFault' : 'ValidationFault'),
        format: fault?.format ?? 'json',
      }),
      now,
      this.offsetFor(realmId),
    );
    return { ...rendered, headers: { ...rendered.headers, ...action.headers } };
  }
}

function requestIdOf(request: FastifyRequest): string | null {
  const query = request.query as Record<string, unknown> | undefined;
  const value = query?.requestid ?? query?.requestId;
  return typeof value === 'string' ? value : null;
}
