import { QuickBooksError, type QuickBooksErrorKind } from './errors.js';
import { scrubSecrets } from './redact.js';

/**
 * One parser for every failure envelope QuickBooks sends (research note §1.4, §4.3, §5), turning each into
 * one QuickBooksError:
 *  - `{"Fault":{"Error":[{Message, Detail, code, element}], type}, time}`: the documented JSON fault;
 *  - `{"fault":{"error":[{message, detail, code, element}], type}, time: <epoch ms>}`: the lowercase
 *    IntuitResponse of 401/3200 and 403/3100;
 *  - `<IntuitResponse><Fault type=…><Error code=…>…`: XML, sent for 429/3001, 401/100 and 401/120 even when
 *    JSON was asked for;
 *  - `{"error":"invalid_grant","error_description":…}`: the OAuth token endpoint, which never sends a Fault.
 * Whatever cannot be read is classified by HTTP status alone.
 */

/** "If you see this, wait 60 seconds before retrying" (limits page, §4.1); Retry-After is unconfirmed (§4.3). */
export const DEFAULT_THROTTLE_WAIT_MS = 60_000;

/** Intuit's texts are short; a failure body that is not an envelope must not flood logs or stored errors. */
const MAX_TEXT_LENGTH = 2000;
/** Bounds the XML scan; Intuit's XML faults are a few hundred bytes. */
const MAX_XML_SCAN = 64 * 1024;

export interface IntuitFaultError {
  code?: string;
  message?: string;
  detail?: string;
  element?: string;
}

export interface IntuitFault {
  type?: string;
  errors: IntuitFaultError[];
}

export interface FailureContext {
  /** `api` for the Accounting API, `oauth` for the token and revoke endpoints. */
  source: 'api' | 'oauth';
  /** A 610 on a read means the object does not exist; on a write, a referenced object is missing. */
  intent?: 'read' | 'write';
  realmId?: string;
  intuitTid?: string;
  /** The raw Retry-After header, if any. */
  retryAfter?: string | null;
  /** Now, in epoch ms: needed only to read a Retry-After given as an HTTP date. */
  now?: number;
  /** Credentials of this request; scrubbed from every text Intuit sends back. */
  secrets?: readonly (string | undefined)[];
}

/** A failed HTTP answer (any status, or a 2xx whose body is a fault) as a QuickBooksError. */
export function parseFailure(status: number, body: string, context: FailureContext): QuickBooksError {
  const json = parseJson(body);
  const oauth = json === undefined ? undefined : readOAuthError(json);
  if (oauth) return oauthError(status, oauth, context);
  const fault = (json === undefined ? undefined : readJsonFault(json)) ?? readXmlFault(body);
  if (fault) return faultError(status, fault, context);
  const kind = kindOf({ status, source: context.source, intent: context.intent });
  return new QuickBooksError({
    kind,
    status,
    message: `QuickBooks ${context.source === 'oauth' ? 'token endpoint ' : ''}answered HTTP ${status} without a readable error`,
    intuitTid: context.intuitTid,
    realmId: context.realmId,
    retryAfterMs: kind === 'throttled' ? retryAfterMs(context.retryAfter, context.now) : undefined,
  });
}

/** The Fault of one BatchItemResponse (§3.5): the batch answered 200, the item failed on its own. */
export function parseBatchItemFault(fault: unknown, context: FailureContext): QuickBooksError {
  const parsed = readJsonFault({ Fault: fault }) ?? { errors: [] };
  return faultError(undefined, parsed, context);
}

/** Intuit may answer 200 with a Fault in the body ("the response body may contain a <Fault>", §5.2). */
export function faultInBody(json: unknown): boolean {
  return readJsonFault(json) !== undefined;
}

/**
 * What to do, by Intuit's code first (it is more specific), then by HTTP status. Codes as in §5.3-5.4;
 * 003001 is the same code as 3001 (it appears zero-padded inside the 429 message).
 */
export function kindOf(input: {
  status?: number;
  code?: string;
  source: 'api' | 'oauth';
  intent?: 'read' | 'write';
}): QuickBooksErrorKind {
  const { status, code, intent } = input;
  if (code === '3001' || status === 429) return 'throttled';
  if (code === '3200') return 'authentication';
  if (code === '100') return 'wrong_realm';
  if (code === '120') return 'reauthorization';
  if (code === '3100' || status === 403) return 'scope';
  if (status === 401) return input.source === 'oauth' ? 'configuration' : 'authentication';
  if (code === '5010') return 'stale_object';
  if (code === '2500') return 'bad_reference';
  // The emulator and Intuit answer a read of a missing id with 610 (§5.5); on a write, 610 names an inactive
  // or deleted object the request refers to.
  if (code === '610') return intent === 'read' ? 'not_found' : 'bad_reference';
  if (status === 404) return input.source === 'oauth' ? 'configuration' : 'not_found';
  if (code === '10000' || status === 408 || (status !== undefined && status >= 500)) return 'transient';
  return input.source === 'oauth' ? 'configuration' : 'validation';
}

/** RFC 6749 §5.2 errors from the token endpoint, plus RFC 6750's from userinfo. */
const OAUTH_ERROR_KINDS: Record<string, QuickBooksErrorKind> = {
  invalid_grant: 'reauthorization',
  invalid_client: 'configuration',
  unauthorized_client: 'configuration',
  unsupported_grant_type: 'configuration',
  invalid_request: 'configuration',
  invalid_scope: 'configuration',
  invalid_token: 'authentication',
  insufficient_scope: 'scope',
  server_error: 'transient',
  temporarily_unavailable: 'transient',
};

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3); Intuit's 60 s when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now?: number): number {
  const value = header?.trim();
  if (value) {
    if (/^\d+$/.test(value)) return Number(value) * 1000;
    const at = Date.parse(value);
    if (Number.isFinite(at) && now !== undefined) return Math.max(0, at - now);
  }
  return DEFAULT_THROTTLE_WAIT_MS;
}

function oauthError(
  status: number,
  oauth: { error: string; description?: string },
  context: FailureContext,
): QuickBooksError {
  const kind =
    OAUTH_ERROR_KINDS[oauth.error] ?? kindOf({ status, source: context.source, intent: context.intent });
  const description = clean(oauth.description, context);
  const error = clean(oauth.error, context) ?? 'unknown_error';
  return new QuickBooksError({
    kind,
    status,
    code: error,
    detail: description,
    message: `QuickBooks ${context.source === 'oauth' ? 'token endpoint ' : ''}refused the request (HTTP ${status} ${error}${description ? `: ${description}` : ''})`,
    intuitTid: context.intuitTid,
    realmId: context.realmId,
    retryAfterMs: kind === 'throttled' ? retryAfterMs(context.retryAfter, context.now) : undefined,
  });
}

function faultError(
  status: number | undefined,
  fault: IntuitFault,
  context: FailureContext,
): QuickBooksError {
  // Intuit lists one error per fault in every capture; the first one decides.
  const first = fault.errors[0] ?? {};
  const code = first.code?.replace(/^0+(?=\d)/, '');
  const kind = kindOf({ status, code, source: context.source, intent: context.intent });
  const message = clean(first.message, context);
  const type = clean(fault.type, context);
  const where = [status === undefined ? undefined : `HTTP ${status}`, type, code].filter(Boolean).join(' ');
  return new QuickBooksError({
    kind,
    status,
    code,
    element: clean(first.element, context),
    detail: clean(first.detail, context),
    message: `QuickBooks fault (${where || 'no code'})${message ? `: ${message}` : ''}`,
    intuitTid: context.intuitTid,
    realmId: context.realmId,
    retryAfterMs: kind === 'throttled' ? retryAfterMs(context.retryAfter, context.now) : undefined,
  });
}

/** Intuit's texts as stored on the error: credentials removed, bounded, empty strings dropped. */
function clean(text: string | undefined, context: FailureContext): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = scrubSecrets(text, context.secrets ?? []).trim();
  if (trimmed === '') return undefined;
  return trimmed.length > MAX_TEXT_LENGTH ? `${trimmed.slice(0, MAX_TEXT_LENGTH)}…` : trimmed;
}

function parseJson(body: string): unknown {
  const start = body.trimStart()[0];
  if (start !== '{' && start !== '[') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

function readOAuthError(json: unknown): { error: string; description?: string } | undefined {
  if (!isRecord(json) || typeof json.error !== 'string') return undefined;
  return { error: json.error, description: text(json.error_description) };
}

/** `Fault.Error[]` with capitalised keys, or the lowercase `fault.error[]` IntuitResponse. */
function readJsonFault(json: unknown): IntuitFault | undefined {
  if (!isRecord(json)) return undefined;
  const fault = isRecord(json.Fault) ? json.Fault : isRecord(json.fault) ? json.fault : undefined;
  if (!fault) return undefined;
  const list = Array.isArray(fault.Error) ? fault.Error : Array.isArray(fault.error) ? fault.error : [];
  const errors = list.filter(isRecord).map((error): IntuitFaultError => ({
    code: text(error.code),
    message: text(error.Message ?? error.message),
    detail: text(error.Detail ?? error.detail),
    element: text(error.element ?? error.Element),
  }));
  return { type: text(fault.type), errors };
}

/**
 * A deliberately small XML read: Intuit's XML faults are flat (`<Fault type><Error code element><Message>
 * <Detail>`), so regular expressions over that one shape are enough, and they cannot expand entities or
 * fetch external DTDs the way a general XML parser could be made to. Only the five predefined entities and
 * numeric references are decoded.
 */
function readXmlFault(body: string): IntuitFault | undefined {
  const scanned = body.length > MAX_XML_SCAN ? body.slice(0, MAX_XML_SCAN) : body;
  const fault = /<Fault\b([^>]*)>([\s\S]*?)<\/Fault>/.exec(scanned);
  if (!fault) return undefined;
  const [, faultAttributes = '', inner = ''] = fault;
  const errors: IntuitFaultError[] = [];
  for (const match of inner.matchAll(/<Error\b([^>]*?)(?:\/>|>([\s\S]*?)<\/Error>)/g)) {
    const [, attributes = '', content = ''] = match;
    errors.push({
      code: attribute(attributes, 'code'),
      element: attribute(attributes, 'element'),
      message: element(content, 'Message'),
      detail: element(content, 'Detail'),
    });
  }
  return { type: attribute(faultAttributes, 'type'), errors };
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attributes);
  const value = match?.[1] ?? match?.[2];
  return value === undefined ? undefined : decodeXml(value);
}

function element(content: string, name: string): string | undefined {
  const match = new RegExp(`<${name}\\b[^>]*>([\\s\\S]*?)</${name}>`).exec(content);
  return match?.[1] === undefined ? undefined : decodeXml(match[1]);
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeXml(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (whole, entity: string) => {
    if (entity.startsWith('#')) {
      const codePoint = entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
    }
    return XML_ENTITIES[entity] ?? whole;
  });
}
