import { formatQboTime } from './util/time.js';

/**
 * Intuit answers failures in three different envelopes (§5.3 of the research note) and clients must parse
 * all of them, so the emulator reproduces each one instead of normalising:
 *  - `json`: the documented `{"Fault":{"Error":[…],"type":…},"time":…}` (validation, stale object, …);
 *  - `xml`: `<IntuitResponse><Fault>` even when JSON was asked (429/3001, 401/100, 401/120);
 *  - `json-lowercase`: the `{"fault":{"error":[…]}}` IntuitResponse with epoch-millisecond time
 *    (401/3200 expired token, 403/3100 not authorised).
 */
export type FaultFormat = 'json' | 'xml' | 'json-lowercase';

export interface FaultSpec {
  status: number;
  code: string;
  message: string;
  detail: string | null;
  type: string;
  format?: FaultFormat;
  element?: string;
  headers?: Record<string, string>;
}

export class QboFault extends Error {
  override readonly name = 'QboFault';
  readonly status: number;
  readonly code: string;
  readonly detail: string | null;
  readonly faultType: string;
  readonly format: FaultFormat;
  readonly element: string;
  readonly headers: Record<string, string>;

  constructor(spec: FaultSpec) {
    super(spec.message);
    this.status = spec.status;
    this.code = spec.code;
    this.detail = spec.detail;
    this.faultType = spec.type;
    this.format = spec.format ?? 'json';
    this.element = spec.element ?? '';
    this.headers = spec.headers ?? {};
  }
}

function validation(code: string, message: string, detail: string, element = ''): QboFault {
  return new QboFault({ status: 400, code, message, detail, type: 'ValidationFault', element });
}

/** Exact Message/Detail strings come from the captures quoted in §5.4. */
export const Faults = {
  staleObject: () =>
    validation(
      '5010',
      'Stale Object Error',
      'Stale Object Error : You and root were working on this at the same time. root finished before you did, so your work was not saved.',
    ),
  duplicateName: (what = 'customer, vendor or employee') =>
    validation(
      '6240',
      'Duplicate Name Exists Error',
      `The name supplied already exists. : Another ${what} is already using this name. Please use a different name.`,
    ),
  duplicateDocNumber: () =>
    validation(
      '6140',
      'Duplicate Document Number Error',
      'Duplicate Document Number Error : You must specify a different number. This number has already been used.',
    ),
  inactiveReference: (status = 400) =>
    new QboFault({
      status,
      code: '610',
      message: 'Object Not Found',
      detail:
        "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.",
      type: 'ValidationFault',
    }),
  deletedTransaction: (status = 400) =>
    new QboFault({
      status,
      code: '610',
      message: 'Object Not Found',
      detail: 'Object Not Found: Another user has deleted this transaction.',
      type: 'ValidationFault',
    }),
  invalidReference: (element: string) =>
    validation(
      '2500',
      'Invalid Reference Id',
      "Invalid Reference Id : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.",
      element,
    ),
  requiredParam: (param: string) =>
    validation(
      '2020',
      'Required param missing, need to supply the required value for the API',
      `Required parameter ${param} is missing in the request`,
      param,
    ),
  invalidEnumeration: (field: string, value: string) =>
    validation(
      '2170',
      'Invalid Enumeration',
      `Invalid Enumeration : ${value} is not a valid value for ${field}`,
      field,
    ),
  stringTooLong: (field: string, max: number) =>
    validation(
      '2050',
      'String length specified does not match the supported length',
      `String length specified does not match the supported length. Supported length for ${field}: ${max}`,
      field,
    ),
  invalidEmail: (field: string) =>
    validation(
      '2210',
      'Email Address does not conform to the syntax rules of RFC 822',
      `Email Address does not conform to the syntax rules of RFC 822. Supplied value: ${field}`,
      field,
    ),
  cannotLink: (detail: string) =>
    validation('620', 'TxnID Cannot Be Linked', `TxnID Cannot Be Linked : ${detail}`),
  businessValidation: (detail: string) =>
    validation('6000', 'A business validation error has occurred while processing your request', detail),
  // Invoice line arithmetic (api/entities/invoice.ts): 6070 as captured in a developer's log (Message with the
  // final period, element Line.Amount), 6520 as captured in n8n-io/n8n#12956, 6100 as in Intuit's error list.
  amountCalculation: (supplied: string) =>
    validation(
      '6070',
      'Amount calculation incorrect in the request.',
      `Amount is not equal to UnitPrice * Qty. Supplied value:${supplied}`,
      'Line.Amount',
    ),
  inventoryQuantityRequired: () =>
    validation('6520', 'Missing Inventory Item Quantity', 'Quantity required for inventory item'),
  invalidLineTaxCode: (supplied: string) =>
    validation(
      '6100',
      'Invalid Line TaxCode in the request',
      `Valid Line TaxCodes for US should be TAX or NON. Supplied value:${supplied}`,
    ),
  invalidAmount: (element: string, detail: string) => validation('2140', 'Invalid Amount', detail, element),
  invalidTxnTaxDetail: () =>
    validation(
      '6170',
      'Invalid TxnTaxDetail Error',
      "Invalid TxnTaxDetail Error : The TxnTaxDetail attribute isn't allowed when GlobalTaxCalculation is set to NotApplicable.",
    ),
  /** Captured for requestid + bId in a batch ([OBS] intuit/QuickBooks-V3-Java-SDK#180). */
  requestIdTooLong: (value: string, max: number) =>
    validation(
      '6000',
      'A business validation error has occurred while processing your request',
      `Business Validation Error: You cannot enter more than ${max} characters in the request_id field. You tried entering ${value.slice(0, 10)}..., which is ${value.length} characters.`,
    ),
  /** What Intuit answered a batch sent again under its requestid ([OBS] ruckus/quickbooks-ruby#344). */
  requestIdReused: () =>
    validation(
      '6000',
      'A business validation error has occurred while processing your request',
      'Business Validation Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again.  If the problem persists, contact customer support.',
    ),
  periodClosed: () =>
    validation(
      '6210',
      'Account Period Closed',
      'Account Period Closed, Cannot Update Through Services API : The account period has closed and cannot be updated through the QBO Services API. Please use the QBO user interface to update this transaction.',
    ),
  // Detail as captured from production in swarmbox/quickbooks-mcp docs/quickbooks-api-limitations.md; the
  // handling-common-errors page and the 2017 blog word it slightly differently (§5.4).
  depositedTransaction: () =>
    validation(
      '6540',
      'Deposited Transaction cannot be changed',
      'This transaction has been deposited. If you want to change or delete it, you must edit the deposit it appears on and remove it first',
    ),
  unsupportedOperation: (detail: string) => validation('500', 'Unsupported Operation', detail),
  queryParse: (detail: string) => validation('4000', 'Error parsing query', `QueryParserError: ${detail}`),
  queryValidation: (detail: string) => validation('4001', 'Invalid query', `QueryValidationError: ${detail}`),
  requestMalformed: (detail: string) =>
    validation('2010', 'Request has invalid or unsupported property', `Property Name:${detail}`),
  invalidMinorVersion: (value: string) =>
    validation(
      '2010',
      'Request has invalid or unsupported property',
      `Property Name:minorversion: ${value} is not a valid minor version`,
      'minorversion',
    ),
  readOnlyProperty: (path: string) =>
    validation(
      '2010',
      'Request has invalid or unsupported property',
      `Property Name:${path} is read-only and cannot be changed through the API`,
      path,
    ),
  unknownResource: (status: number, path: string) =>
    new QboFault({
      status,
      code: '10000',
      message: 'An application error has occurred while processing your request',
      detail: `System Failure Error: Could not find resource for relative : ${path}`,
      type: 'SystemFault',
    }),
  throttled: (retryAfterSeconds: number | null) =>
    new QboFault({
      status: 429,
      code: '3001',
      message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
      detail: 'The request limit was reached.  Try again later',
      type: 'SERVICE',
      format: 'xml',
      headers: retryAfterSeconds === null ? {} : { 'retry-after': String(retryAfterSeconds) },
    }),
  tokenExpired: (token: string) =>
    new QboFault({
      status: 401,
      code: '3200',
      message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
      detail: `Token expired: ${token.slice(0, 12)}`,
      type: 'AUTHENTICATION',
      format: 'json-lowercase',
      headers: { 'www-authenticate': 'Bearer realm="Intuit", error="invalid_token"' },
    }),
  tokenInvalid: (detail: string | null) =>
    new QboFault({
      status: 401,
      code: '3200',
      message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
      detail,
      type: 'AUTHENTICATION',
      format: 'json-lowercase',
      headers: { 'www-authenticate': 'Bearer realm="Intuit", error="invalid_token"' },
    }),
  realmMismatch: () =>
    new QboFault({
      status: 401,
      code: '100',
      message: 'General Authentication Error',
      detail: 'AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401',
      type: 'AuthenticationFault',
      format: 'xml',
    }),
  lostAccess: () =>
    new QboFault({
      status: 401,
      code: '120',
      message: 'Authorization Failure',
      // Intuit's capture spells the fault type "AuthorizatonFault" ([OBS] oauth-jsclient#110).
      detail:
        'AuthorizationFailure: --11014-You do not have access to use QuickBooks Online Plus., statusCode: 401',
      type: 'AuthorizatonFault',
      format: 'xml',
      headers: { errorcode: '120', message: 'Authorization Failure' },
    }),
  notAuthorized: () =>
    new QboFault({
      status: 403,
      code: '3100',
      message: 'message=AuthorizationFailed; errorCode=003100; statusCode=403',
      detail: null,
      type: 'SERVICE',
      format: 'json-lowercase',
    }),
};

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';
export const XML_CONTENT_TYPE = 'application/xml;charset=UTF-8';

export function jsonResult(
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    status,
    headers: { 'content-type': JSON_CONTENT_TYPE, ...headers },
    body: JSON.stringify(payload),
  };
}

/** The Fault object as it sits in an envelope or inside a BatchItemResponse. */
export function faultObject(fault: QboFault): Record<string, unknown> {
  return {
    Error: [{ Message: fault.message, Detail: fault.detail, code: fault.code, element: fault.element }],
    type: fault.faultType,
  };
}

export function renderFault(fault: QboFault, nowMs: number, offsetMinutes: number): HttpResult {
  switch (fault.format) {
    case 'xml':
      return {
        status: fault.status,
        headers: { 'content-type': XML_CONTENT_TYPE, ...fault.headers },
        body:
          '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
          `<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="${formatQboTime(nowMs, offsetMinutes)}">` +
          `<Fault type="${escapeXml(fault.faultType)}"><Error code="${escapeXml(fault.code)}">` +
          `<Message>${escapeXml(fault.message)}</Message>` +
          `<Detail>${escapeXml(fault.detail ?? '')}</Detail>` +
          '</Error></Fault></IntuitResponse>',
      };
    case 'json-lowercase':
      return jsonResult(
        fault.status,
        {
          warnings: null,
          intuitObject: null,
          fault: {
            error: [{ message: fault.message, detail: fault.detail, code: fault.code, element: null }],
            type: fault.faultType,
          },
          report: null,
          queryResponse: null,
          batchItemResponse: [],
          attachableResponse: [],
          syncErrorResponse: null,
          requestId: null,
          time: nowMs,
          status: null,
          cdcresponse: [],
        },
        fault.headers,
      );
    case 'json':
      return jsonResult(
        fault.status,
        { Fault: faultObject(fault), time: formatQboTime(nowMs, offsetMinutes) },
        fault.headers,
      );
  }
}

function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
