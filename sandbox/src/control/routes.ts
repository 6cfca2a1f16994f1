import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { z } from 'zod';
import { AppError } from '../apps.js';
import { ClockError } from '../clock.js';
import { faultRuleSchema, latencyRuleSchema } from '../faults.js';
import { SettingsError } from '../settings.js';
import { webhookFaultsSchema } from '../webhooks.js';
import { ControlError } from './control.js';
import type { SandboxControl } from './control.js';

export const CONTROL_PREFIX = '/_sandbox';

const appSchema = z
  .object({
    appId: z.string().optional(),
    name: z.string().optional(),
    clientId: z.string().optional(),
    clientSecret: z.string().optional(),
    redirectUris: z.array(z.string()).optional(),
    webhookUrl: z.string().nullable().optional(),
    verifierToken: z.string().optional(),
    webhookFormat: z.enum(['cloudevents', 'legacy']).optional(),
  })
  .strict();

const realmSchema = z
  .object({
    realmId: z.string().optional(),
    country: z.enum(['US', 'CA', 'GB', 'AU']).optional(),
    companyName: z.string().optional(),
    customTxnNumbers: z.boolean().optional(),
    bookCloseDate: z.string().nullable().optional(),
    duplicateDocNumberCheck: z.boolean().optional(),
    automatedSalesTax: z.boolean().optional(),
    offsetMinutes: z.number().int().optional(),
  })
  .strict();

const preferencesSchema = z
  .object({
    customTxnNumbers: z.boolean().optional(),
    bookCloseDate: z.string().nullable().optional(),
    duplicateDocNumberCheck: z.boolean().optional(),
    automatedSalesTax: z.boolean().optional(),
    partnerTaxEnabled: z.boolean().nullable().optional(),
    usingSalesTax: z.boolean().optional(),
  })
  .strict();

const ref = z.object({ value: z.string(), name: z.string().optional() }).passthrough();
const json = z.record(z.string(), z.unknown());

/** The invoice form fields of control.ADMIN_INVOICE_FIELDS, plus the action. */
const csvImportSchema = z
  .object({
    kind: z.enum(['customers', 'invoices']),
    csv: z.string().max(5_000_000),
    dateFormat: z.enum(['MM_DD_YYYY', 'DD_MM_YYYY', 'YYYY_MM_DD']).optional(),
    taxMode: z.enum(['EXCLUSIVE', 'INCLUSIVE']).optional(),
    taxCodes: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const adminInvoiceSchema = z
  .object({
    action: z.enum(['update', 'void', 'delete']).optional(),
    Line: z.array(json).optional(),
    TxnTaxDetail: json.optional(),
    TxnDate: z.string().optional(),
    DueDate: z.string().optional(),
    CustomerMemo: z.object({ value: z.string() }).strict().optional(),
    PrivateNote: z.string().optional(),
    ApplyTaxAfterDiscount: z.boolean().optional(),
    GlobalTaxCalculation: z.string().optional(),
    SalesTermRef: ref.optional(),
    ShipAddr: json.optional(),
    BillAddr: json.optional(),
    BillEmail: z.object({ Address: z.string() }).strict().optional(),
    Deposit: z.number().optional(),
    DocNumber: z.string().optional(),
  })
  .strict();

const taxCodeSchema = z
  .object({
    name: z.string().min(1),
    rates: z.array(z.object({ name: z.string().min(1), percent: z.number().min(0) }).strict()).min(1),
  })
  .strict();

const clockSchema = z
  .object({
    set: z.union([z.string(), z.number()]).optional(),
    freeze: z.boolean().optional(),
    advanceMs: z.number().optional(),
    advanceSeconds: z.number().optional(),
    reset: z.boolean().optional(),
  })
  .strict();

const tokensSchema = z
  .object({ realmId: z.string(), clientId: z.string().optional(), scopes: z.array(z.string()).optional() })
  .strict();

function body(request: FastifyRequest): unknown {
  const raw = typeof request.body === 'string' ? request.body : '';
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new ControlError('request body must be JSON');
  }
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

/** Host names a browser only uses for this machine, so a page cannot re-point them at us (DNS rebinding). */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

export interface ControlAccess {
  /** Answer peers that are not on this machine. Off by default: the surface has no authentication. */
  allowRemote: boolean;
  /** Host header names accepted besides LOOPBACK_HOSTS (the port is not compared). */
  allowedHosts: readonly string[];
}

/** `localhost:4010`, `[::1]:4010`, `::1`, `Sandbox.Test` -> `localhost`, `[::1]`, `[::1]`, `sandbox.test`. */
export function hostName(value: string): string | undefined {
  const bracketed = isIP(value) === 6 ? `[${value}]` : value;
  try {
    return new URL(`http://${bracketed}`).hostname;
  } catch {
    return undefined;
  }
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'));
}

function refuse(reply: FastifyReply, status: number, code: string, error: string): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(JSON.stringify({ error, code }));
}

/**
 * The surface has no authentication, so it answers only requests a browser page on another site cannot
 * make: a page can send a POST with a text/plain, form or multipart type (or none) without a CORS
 * preflight, but not one with application/json, and no preflight is ever answered here; a page cannot make
 * its request carry a loopback Host header, which is what the DNS-rebinding check relies on.
 */
export function guard(access: ControlAccess) {
  const hosts = new Set([...LOOPBACK_HOSTS, ...access.allowedHosts.map((host) => hostName(host) ?? host)]);
  const allowed = (value: string | undefined) => {
    const name = value === undefined ? undefined : hostName(value);
    return name !== undefined && hosts.has(name);
  };
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!access.allowRemote && !isLoopbackAddress(request.socket.remoteAddress)) {
      return refuse(
        reply,
        403,
        'REMOTE_CONTROL_DISABLED',
        'the control surface answers clients on this machine only (start with --allow-remote-control)',
      );
    }
    if (!allowed(request.headers.host)) {
      return refuse(reply, 403, 'FORBIDDEN_HOST', 'the control surface answers only loopback host names');
    }
    const hasBody =
      request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0';
    const chunked = request.headers['transfer-encoding'] !== undefined;
    const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    // Every POST, even an empty one: POST is the method a page can send cross-site without a preflight.
    if ((request.method === 'POST' || hasBody || chunked) && mediaType !== 'application/json') {
      return refuse(
        reply,
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'control requests must be sent as application/json',
      );
    }
    // Browsers name the page that sent a request; a page elsewhere never gets an answer. Not every client
    // sends Origin (curl, tests), so its absence is fine.
    const origin = request.headers.origin;
    if (origin !== undefined && !(URL.canParse(origin) && allowed(new URL(origin).host))) {
      return refuse(
        reply,
        403,
        'FORBIDDEN_ORIGIN',
        'the control surface answers only pages on loopback hosts',
      );
    }
    return undefined;
  };
}

/** Same operations as the in-process SandboxControl, as JSON over HTTP. */
export function registerControlRoutes(
  app: FastifyInstance,
  control: SandboxControl,
  access: ControlAccess = { allowRemote: false, allowedHosts: [] },
): void {
  const onRequest = guard(access);
  const route = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    run: (request: FastifyRequest, params: Params, query: Query) => unknown,
  ) => {
    app.route({
      method,
      url: `${CONTROL_PREFIX}${path}`,
      onRequest,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        try {
          const result = await run(request, request.params as Params, (request.query ?? {}) as Query);
          return reply
            .code(200)
            .header('content-type', 'application/json')
            .send(JSON.stringify(result ?? { ok: true }));
        } catch (error) {
          const known =
            error instanceof ControlError ||
            error instanceof SettingsError ||
            error instanceof AppError ||
            error instanceof ClockError ||
            error instanceof z.ZodError;
          if (!known) throw error;
          const message = error instanceof z.ZodError ? z.prettifyError(error) : error.message;
          const code = error instanceof ControlError ? error.code : undefined;
          return reply.code(400).send(code === undefined ? { error: message } : { error: message, code });
        }
      },
    });
  };

  route('GET', '/health', () => ({ ok: true, now: control.now() }));
  route('POST', '/reset', (request) => {
    const input = z.object({ keepConnections: z.boolean().optional() }).strict().parse(body(request));
    control.reset(input);
    return { ok: true };
  });

  route('GET', '/clock', () => ({ now: control.now() }));
  route('POST', '/clock', (request) => {
    const input = clockSchema.parse(body(request));
    if (input.reset) control.resetClock();
    if (input.set !== undefined) control.setClock(input.set, { freeze: input.freeze });
    if (input.advanceMs !== undefined) control.advanceClock(input.advanceMs);
    if (input.advanceSeconds !== undefined) control.advanceClock(input.advanceSeconds * 1000);
    return { now: control.now() };
  });

  route('GET', '/settings', () => control.settings());
  route('PATCH', '/settings', (request) => control.updateSettings(body(request) as never));

  route('GET', '/apps', () => control.listApps());
  route('POST', '/apps', (request) => control.registerApp(appSchema.parse(body(request))));
  route('PATCH', '/apps/:clientId', (request, params) =>
    control.updateApp(params.clientId ?? '', appSchema.omit({ clientId: true }).parse(body(request))),
  );

  route('GET', '/realms', () => control.listRealms());
  route('POST', '/realms', (request) => control.createRealm(realmSchema.parse(body(request))));
  route('PATCH', '/realms/:realmId', (request, params) =>
    control.setCompanyPreferences(params.realmId ?? '', preferencesSchema.parse(body(request))),
  );
  route('POST', '/realms/:realmId/access', (request, params) => {
    const input = z.object({ clientId: z.string(), hasAccess: z.boolean() }).strict().parse(body(request));
    control.setUserAccess(params.realmId ?? '', input.clientId, input.hasAccess);
    return { ok: true };
  });
  route('GET', '/realms/:realmId/entities/:entity', (_request, params) =>
    control.listEntities(params.realmId ?? '', params.entity ?? ''),
  );
  route('GET', '/realms/:realmId/entities/:entity/:id', (_request, params) => {
    const doc = control.getEntity(params.realmId ?? '', params.entity ?? '', params.id ?? '');
    if (!doc) throw new ControlError(`no ${params.entity ?? ''} ${params.id ?? ''}`);
    return doc;
  });
  route('PATCH', '/realms/:realmId/entities/:entity/:id', (request, params) =>
    control.editEntity(
      params.realmId ?? '',
      params.entity ?? '',
      params.id ?? '',
      z.record(z.string(), z.unknown()).parse(body(request)),
    ),
  );

  route('POST', '/realms/:realmId/tax-codes', (request, params) =>
    control.createTaxCode(params.realmId ?? '', taxCodeSchema.parse(body(request))),
  );
  route('POST', '/realms/:realmId/invoices/:id/admin-edit', (request, params) =>
    control.adminEditInvoice(params.realmId ?? '', params.id ?? '', adminInvoiceSchema.parse(body(request))),
  );

  route('POST', '/realms/:realmId/import', (request, params) =>
    control.importCsv(params.realmId ?? '', csvImportSchema.parse(body(request))),
  );

  route('POST', '/tokens', (request) => control.issueTokens(tokensSchema.parse(body(request))));

  route('GET', '/faults', () => control.listFaults());
  route('POST', '/faults', (request) => control.injectFault(faultRuleSchema.parse(body(request))));
  route('DELETE', '/faults', () => control.clearFaults());
  route('DELETE', '/faults/:id', (_request, params) => ({ removed: control.removeFault(params.id ?? '') }));
  route('POST', '/latency', (request) => control.injectLatency(latencyRuleSchema.parse(body(request))));

  route('GET', '/requests', (_request, _params, query) =>
    control.requests({
      sinceSeq: query.sinceSeq === undefined ? undefined : Number(query.sinceSeq),
      realmId: query.realmId,
      path: query.path,
      limit: query.limit === undefined ? undefined : Number(query.limit),
    }),
  );
  route('DELETE', '/requests', () => control.clearRequests());

  route('GET', '/webhooks/deliveries', (_request, _params, query) =>
    control.webhookDeliveries(query.clientId),
  );
  route('POST', '/webhooks/test-events', (request) =>
    control.sendTestEvents(
      z
        .object({ clientId: z.string().optional(), realmId: z.string().optional() })
        .strict()
        .parse(body(request)),
    ),
  );
  route('POST', '/webhooks/drain', async (request) => {
    const input = z
      .object({ timeoutMs: z.number().int().min(0).optional() })
      .strict()
      .parse(body(request));
    return { drained: await control.drainWebhooks(input.timeoutMs) };
  });
  route('GET', '/webhooks/faults', (_request, _params, query) => control.webhookFaults(query.clientId));
  route('POST', '/webhooks/faults/:clientId', (request, params) =>
    control.setWebhookFaults(params.clientId ?? '', webhookFaultsSchema.parse(body(request))),
  );
  route('DELETE', '/webhooks/faults', () => control.clearWebhookFaults());
  route('DELETE', '/webhooks/faults/:clientId', (_request, params) =>
    control.clearWebhookFaults(params.clientId ?? ''),
  );
}
