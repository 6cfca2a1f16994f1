import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Realm } from '../company/realm.js';
import type { RequestContext, SandboxCore } from '../core.js';
import type { HttpResult, QboFault } from '../errors.js';
import { Faults, jsonResult } from '../errors.js';
import type { RequestTarget } from '../faults.js';
import { checkRequestIdLength, requestFingerprint } from '../idempotency.js';
import { ACCOUNTING_SCOPE } from '../oauth/tokens.js';
import type { Doc } from '../util/json.js';
import { isDoc } from '../util/json.js';
import { formatQboTime } from '../util/time.js';
import { batchItemCount, batchItemFaults, runBatch } from './batch.js';
import { runCdc } from './cdc.js';
import type { EntityDefinition, WriteOptions } from './entities/context.js';
import { definitionByPath } from './entities/registry.js';
import { effectiveMinorVersion } from './minor-version.js';

type Query = Record<string, string | undefined>;

interface ApiCall {
  realmId: string;
  segments: string[];
  query: Query;
  operation: string;
  entity: string | undefined;
}

/** Works out the operation before anything runs, so faults can match on it and the log can show it. */
function classify(method: string, realmId: string, rest: string, query: Query): ApiCall {
  const segments = rest.split('/').filter(Boolean);
  const first = segments[0];
  let operation = 'unknown';
  if (first === 'query') operation = 'query';
  else if (first === 'batch') operation = 'batch';
  else if (first === 'cdc') operation = 'cdc';
  // Reports are reads for the limits; their own operation lets faults and the log single them out.
  else if (first === 'reports') operation = 'report';
  else if (segments[2] === 'send') operation = 'send';
  else if (method === 'GET') operation = 'read';
  else if (method === 'POST') {
    const op = query.operation?.toLowerCase();
    if (op === 'delete') operation = 'delete';
    else if (op === 'void' || (op === 'update' && query.include?.toLowerCase().split(',').includes('void'))) {
      operation = 'void';
    } else if (op === 'update') operation = 'update';
    else operation = 'write';
  }
  return { realmId, segments, query, operation, entity: first };
}

export function registerApiRoutes(app: FastifyInstance, core: SandboxCore): void {
  const route = (request: FastifyRequest) => {
    const params = request.params as { realmId: string; '*': string };
    const query = (request.query ?? {}) as Query;
    const call = classify(request.method, params.realmId, params['*'] ?? '', query);
    const target: RequestTarget = {
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      realmId: params.realmId,
      entity: call.entity,
      operation: call.operation,
    };
    return { call, target };
  };

  const handler = (request: FastifyRequest, reply: Parameters<SandboxCore['handle']>[1]) => {
    const { call, target } = route(request);
    return core.handle(request, reply, target, (ctx) => handleApi(core, request, call, ctx));
  };
  app.get('/v3/company/:realmId/*', handler);
  app.post('/v3/company/:realmId/*', handler);
}

async function handleApi(
  core: SandboxCore,
  request: FastifyRequest,
  call: ApiCall,
  ctx: RequestContext,
): Promise<HttpResult> {
  const realm = core.realms.get(call.realmId);
  try {
    const auth = authenticate(core, request, call.realmId, realm);
    ctx.log.clientId = auth.clientId;
    ctx.log.minorVersion = effectiveMinorVersion(call.query.minorversion, core.settings.api);
    const isBatch = call.operation === 'batch';
    const rawBody = typeof request.body === 'string' ? request.body : '';
    const batchItems = isBatch ? batchItemCount(rawBody, core.settings.batch.maxItems) : undefined;
    const release = core.limits.acquire(call.realmId, auth.clientId, batchItems);
    if (!release) throw Faults.throttled(core.settings.limits.retryAfterSeconds);
    try {
      await ctx.delay();
      const requestId = call.query.requestid ?? call.query.requestId;
      if (requestId === undefined) return execute(core, request, call, realm, rawBody);
      checkRequestIdLength(requestId, isBatch);
      const fingerprint = requestFingerprint(request.method, ctx.target.path, call.query, rawBody);
      const previous = core.idempotency.lookup(call.realmId, requestId, fingerprint);
      const replayBatch = core.settings.idempotency.batchReplay === 'replay';
      if (previous.kind === 'replay' && (!isBatch || replayBatch)) {
        ctx.log.replayed = true;
        return previous.result;
      }
      if (previous.kind !== 'miss') {
        if (isBatch) return batchFaults(core, realm, rawBody, Faults.requestIdReused());
        throw Faults.requestIdReused();
      }
      const result = safeExecute(core, request, call, realm, rawBody);
      core.idempotency.store(call.realmId, requestId, fingerprint, result);
      return result;
    } finally {
      release();
    }
  } catch (error) {
    return core.renderError(error, call.realmId);
  }
}

/** A batch answered item by item with one fault (see batchItemFaults): a requestid it cannot honour. */
function batchFaults(
  core: SandboxCore,
  realm: Realm | undefined,
  rawBody: string,
  fault: QboFault,
): HttpResult {
  if (!realm) throw Faults.realmMismatch();
  const time = formatQboTime(core.clock.now(), realm.offsetMinutes);
  const items = batchItemFaults(parseJsonBody(rawBody), fault);
  return jsonResult(200, { BatchItemResponse: items, time }, { 'qbo-version': 'sandbox-emulator' });
}

function safeExecute(
  core: SandboxCore,
  request: FastifyRequest,
  call: ApiCall,
  realm: Realm | undefined,
  rawBody: string,
): HttpResult {
  try {
    return execute(core, request, call, realm, rawBody);
  } catch (error) {
    return core.renderError(error, call.realmId);
  }
}

/**
 * Bearer checks in Intuit's order and envelopes (§5.3): bad or expired token 401/3200 (lowercase JSON),
 * token for another company 401/100 (XML), connecting user lost access 401/120 (XML), no accounting
 * scope 403/3100 (lowercase JSON).
 */
function authenticate(core: SandboxCore, request: FastifyRequest, realmId: string, realm: Realm | undefined) {
  const header = request.headers.authorization ?? '';
  if (!/^bearer /i.test(header)) throw Faults.tokenInvalid(null);
  const check = core.tokens.checkBearer(header.slice(7).trim());
  if (!check.ok) {
    if (check.reason === 'expired') throw Faults.tokenExpired(check.token);
    if (check.reason === 'malformed')
      throw Faults.tokenInvalid('Malformed bearer token: too short or too long');
    throw Faults.tokenInvalid(null);
  }
  const record = check.record;
  if (!realm || record.realmId !== realmId) throw Faults.realmMismatch();
  if (realm.lostAccessApps.has(record.clientId)) throw Faults.lostAccess();
  if (!record.scopes.includes(ACCOUNTING_SCOPE)) throw Faults.notAuthorized();
  return record;
}

function parseJsonBody(rawBody: string): Doc {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch (error) {
    throw Faults.requestMalformed(error instanceof Error ? error.message : 'invalid JSON');
  }
  if (!isDoc(parsed)) throw Faults.requestMalformed('the request body must be a JSON object');
  return parsed;
}

function execute(
  core: SandboxCore,
  request: FastifyRequest,
  call: ApiCall,
  realm: Realm | undefined,
  rawBody: string,
): HttpResult {
  if (!realm) throw Faults.realmMismatch();
  const now = core.clock.now();
  const envelope = (payload: Doc): HttpResult =>
    jsonResult(
      200,
      { ...payload, time: formatQboTime(now, realm.offsetMinutes) },
      { 'qbo-version': 'sandbox-emulator' },
    );
  const [first, second, third] = call.segments;
  const service = core.service;
  const unknown = () =>
    Faults.unknownResource(core.settings.api.unknownResourceStatus, request.url.split('?')[0] ?? '');

  if (first === 'query' && call.segments.length === 1) {
    // GET ?query=…, or POST with the statement as an application/text body (§3.1).
    const source = request.method === 'GET' ? call.query.query : (call.query.query ?? rawBody);
    if (!source) throw Faults.queryParse('The query provided was empty'); // [OBS] QuickBooks-V3-PHP-SDK#8
    return envelope({ QueryResponse: service.query(realm, source) });
  }
  if (first === 'batch' && call.segments.length === 1 && request.method === 'POST') {
    const requestId = call.query.requestid ?? call.query.requestId;
    const items = runBatch(service, realm, parseJsonBody(rawBody), core.settings.batch, requestId);
    return envelope({ BatchItemResponse: items });
  }
  if (first === 'cdc' && call.segments.length === 1 && request.method === 'GET') {
    return envelope(runCdc(realm, call.query.entities, call.query.changedSince, now, core.settings.cdc));
  }
  if (first === 'reports' && second !== undefined && third === undefined && request.method === 'GET') {
    // A report is its own document ({Header, Columns, Rows}), without the `time` wrapper of entity answers.
    return jsonResult(200, service.report(realm, second, call.query), { 'qbo-version': 'sandbox-emulator' });
  }
  const definition = first === undefined ? undefined : definitionByPath(first);
  // Invoices and credit memos both have send and pdf (Invoice and CreditMemo references).
  const salesForm = definition?.name === 'Invoice' || definition?.name === 'CreditMemo';
  if (definition && salesForm && second !== undefined && third === 'send' && request.method === 'POST') {
    return envelope({ [definition.name]: service.sendInvoice(realm, definition, second, call.query.sendTo) });
  }
  if (definition && salesForm && second !== undefined && third === 'pdf' && request.method === 'GET') {
    service.read(realm, definition, second);
    return { status: 200, headers: { 'content-type': 'application/pdf' }, body: invoicePdf(second) };
  }
  if (!definition || third !== undefined) throw unknown();

  if (request.method === 'GET') {
    if (definition.kind === 'singleton') {
      if (second !== undefined && second !== realm.realmId && second !== '1') throw unknown();
      return envelope({ [definition.name]: service.read(realm, definition, '1') });
    }
    if (second === undefined) throw unknown();
    return envelope({ [definition.name]: service.read(realm, definition, second) });
  }
  if (second !== undefined) throw unknown();
  return envelope(write(core, realm, definition, call, parseJsonBody(rawBody)));
}

/** A one-page placeholder PDF: clients only need the content type and a PDF body. */
function invoicePdf(id: string): string {
  const text = `Invoice ${id} (QuickBooks sandbox emulator)`.replace(/[()\\]/g, '');
  const stream = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  return [
    '%PDF-1.4',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj',
    `4 0 obj << /Length ${stream.length} >> stream\n${stream}\nendstream endobj`,
    '5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj',
    'trailer << /Root 1 0 R >>',
    '%%EOF',
  ].join('\n');
}

function write(core: SandboxCore, realm: Realm, definition: EntityDefinition, call: ApiCall, body: Doc): Doc {
  const service = core.service;
  const include = (call.query.include ?? '').toLowerCase().split(',');
  const options: WriteOptions = {
    allowDuplicateDocNumber: include.includes('allowduplicatedocnum'),
    requestBody: body,
  };
  switch (call.operation) {
    case 'delete':
      return { [definition.name]: service.remove(realm, definition, body) };
    case 'void':
      return { [definition.name]: service.void(realm, definition, body) };
    case 'update':
      return { [definition.name]: service.update(realm, definition, body, options) };
    default: {
      // A POST without ?operation is an update when the body names an Id, a create otherwise.
      const hasId = body.Id !== undefined && body.Id !== null && body.Id !== '';
      const result = hasId
        ? service.update(realm, definition, body, options)
        : service.create(realm, definition, body, options);
      return { [definition.name]: result };
    }
  }
}
