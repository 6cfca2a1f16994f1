import { isQuickBooksError, QuickBooksError } from './errors.js';
import { parseBatchItemFault } from './faults.js';
import type { ApiRequest, ApiResponse, QuickBooksHttp } from './http.js';
import { parseReport, type ParsedReport } from './reports.js';

/** The entities the emulator serves and the sync engine may touch; the URL segment is the name lower-cased. */
export const QUICKBOOKS_ENTITIES = [
  'Account',
  'Class',
  'CompanyInfo',
  'CreditMemo',
  'Customer',
  'Deposit',
  'Employee',
  'Invoice',
  'Item',
  'Payment',
  'Preferences',
  'TaxCode',
  'TaxRate',
  'Term',
  'Vendor',
] as const;

export type QuickBooksEntityName = (typeof QUICKBOOKS_ENTITIES)[number];

/** Every stored QuickBooks object: `Id` and `SyncToken` are strings (§3.1); the rest is Intuit's. */
export interface QuickBooksEntity {
  Id: string;
  SyncToken: string;
  [field: string]: unknown;
}

export interface QuickBooksResult<T> {
  entity: T;
  /** Intuit's transaction id of the answer: quote it to Intuit support. */
  intuitTid?: string;
}

/** Where the realm's access token comes from (the token vault); the client never stores tokens. */
export interface AccessTokenSource {
  getAccessToken(): Promise<string>;
  /** Called once after a 401/3200 with the token that was refused; resolves to a token to retry with. */
  refreshAfterUnauthorized(rejected: string): Promise<string>;
}

/** A write's requestid: made once per logical write by the caller and passed again on the caller's retries. */
export interface WriteOptions {
  requestId: string;
}

/** "The maximum number of entities that can be returned in a response is 1000" (§3.4). */
export const QUERY_MAX_RESULTS = 1000;
/** At most 30 payloads per batch (batch reference, §3.5). */
export const BATCH_MAX_ITEMS = 30;
/** "For each batch ID, only 10 characters are allowed when RequestID is also specified" (§3.7). */
export const BATCH_ID_MAX_LENGTH = 10;
/** "Server responses can handle a maximum of 1,000 objects" across all CDC entities (§3.6). */
export const CDC_MAX_OBJECTS = 1000;

/** Voided through `?operation=update&include=void` rather than `?operation=void` (§3.1). */
const VOID_BY_UPDATE: ReadonlySet<QuickBooksEntityName> = new Set(['Payment']);

export interface QueryPage<T> {
  rows: T[];
  /** 1-based position of the first row, as Intuit echoes it. */
  startPosition: number;
  /** Only for `SELECT COUNT(*)`; Intuit's sample shows it elsewhere too, but it is not reliable there. */
  totalCount?: number;
  intuitTid?: string;
}

export type BatchItem =
  | {
      bId: string;
      operation: 'create' | 'update' | 'delete';
      entity: QuickBooksEntityName;
      body: Record<string, unknown>;
      /** `void` with operation `update`, or `allowduplicatedocnum`. */
      optionsData?: string;
    }
  | { bId: string; query: string };

export type BatchItemResult =
  | {
      bId: string;
      ok: true;
      /** The entity name the item answered with (`Invoice`, …) or `QueryResponse`. */
      name: string;
      value: Record<string, unknown>;
    }
  | { bId: string; ok: false; error: QuickBooksError };

/** A CDC row: the record in its latest state, or `{ Id, status: "Deleted" }` for a deleted transaction. */
export interface ChangedRecord {
  Id: string;
  status?: string;
  [field: string]: unknown;
}

export interface ChangeSet {
  changes: Partial<Record<QuickBooksEntityName, ChangedRecord[]>>;
  /** The answer's `time`: the next `changedSince` (minus an overlap), as the emulator README advises. */
  time?: string;
  objectCount: number;
  /** 1,000 objects came back: more may have changed; narrow the window and ask again. */
  possiblyTruncated: boolean;
  intuitTid?: string;
}

/**
 * The `IN (…)` list of a query by Id: `'1', '2'`. Intuit's Ids are decimal strings; anything else is
 * refused rather than escaped, so an id from an event or a report can never change the statement.
 */
export function idInList(ids: readonly string[]): string {
  if (ids.length === 0) throw new RangeError('an IN list needs at least one id');
  for (const id of ids)
    if (!/^\d{1,20}$/.test(id)) throw new RangeError(`not a QuickBooks Id: ${JSON.stringify(id)}`);
  return ids.map((id) => `'${id}'`).join(', ');
}

/** `Omit` that keeps a union's branches apart, so a write keeps its `requestId`. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The QuickBooks Online Accounting API for one company (realm). Built per realm with the shared sender and
 * the realm's token source; every failure is a QuickBooksError. On `authentication` (401/3200) it asks the
 * token source for a fresh token once and sends the request once more, with the same requestid.
 */
export class QuickBooksClient {
  readonly realmId: string;
  private readonly http: QuickBooksHttp;
  private readonly tokens: AccessTokenSource;

  constructor(options: { http: QuickBooksHttp; realmId: string; tokens: AccessTokenSource }) {
    this.http = options.http;
    this.realmId = options.realmId;
    this.tokens = options.tokens;
  }

  async read<T extends QuickBooksEntity = QuickBooksEntity>(
    entity: QuickBooksEntityName,
    id: string,
  ): Promise<QuickBooksResult<T>> {
    const response = await this.send({
      method: 'GET',
      path: `/${entity.toLowerCase()}/${encodeURIComponent(id)}`,
      intent: 'read',
      operation: 'read',
    });
    return { entity: entityOf<T>(response, entity, 'read', this.realmId), intuitTid: response.intuitTid };
  }

  companyInfo(): Promise<QuickBooksResult<QuickBooksEntity>> {
    return this.read('CompanyInfo', this.realmId);
  }

  /**
   * One page of a query. `sql` is the statement without STARTPOSITION/MAXRESULTS; escape quotes in string
   * literals with a backslash (§3.4).
   */
  async queryPage<T extends Record<string, unknown> = QuickBooksEntity>(
    sql: string,
    page: { startPosition?: number; maxResults?: number } = {},
  ): Promise<QueryPage<T>> {
    const startPosition = page.startPosition ?? 1;
    const maxResults = page.maxResults ?? QUERY_MAX_RESULTS;
    assertPlainQuery(sql);
    if (!Number.isInteger(startPosition) || startPosition < 1)
      throw new RangeError('startPosition is 1-based');
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > QUERY_MAX_RESULTS) {
      throw new RangeError(`maxResults must be 1-${QUERY_MAX_RESULTS}`);
    }
    const response = await this.send({
      method: 'GET',
      path: '/query',
      query: { query: `${sql.trim()} STARTPOSITION ${startPosition} MAXRESULTS ${maxResults}` },
      intent: 'read',
      operation: 'query',
    });
    const queryResponse = asRecord(response.body.QueryResponse) ?? {};
    // No match is `"QueryResponse":{}` without an entity key (§3.4); otherwise the one array is the rows.
    const rows = Object.values(queryResponse).find(Array.isArray) ?? [];
    return {
      rows: rows.filter(isRecord) as T[],
      startPosition:
        typeof queryResponse.startPosition === 'number' ? queryResponse.startPosition : startPosition,
      totalCount: typeof queryResponse.totalCount === 'number' ? queryResponse.totalCount : undefined,
      intuitTid: response.intuitTid,
    };
  }

  /**
   * Every row of a query, page by page (STARTPOSITION/MAXRESULTS). Pages are separate requests: add
   * `ORDERBY Id` (or another stable order) so rows created meanwhile do not shift a row between pages.
   */
  async *query<T extends Record<string, unknown> = QuickBooksEntity>(
    sql: string,
    options: { pageSize?: number } = {},
  ): AsyncGenerator<T, void, undefined> {
    const pageSize = options.pageSize ?? QUERY_MAX_RESULTS;
    let startPosition = 1;
    for (;;) {
      const page = await this.queryPage<T>(sql, { startPosition, maxResults: pageSize });
      yield* page.rows;
      if (page.rows.length < pageSize) return;
      startPosition += page.rows.length;
    }
  }

  async create<T extends QuickBooksEntity = QuickBooksEntity>(
    entity: QuickBooksEntityName,
    body: Record<string, unknown>,
    options: WriteOptions,
  ): Promise<QuickBooksResult<T>> {
    if ('Id' in body)
      throw new TypeError('create takes no Id: QuickBooks would treat the request as an update');
    return this.write<T>(entity, body, options, 'create');
  }

  /** Only the fields given change (§3.3); `Line` is all-or-nothing: send every line or none. */
  sparseUpdate<T extends QuickBooksEntity = QuickBooksEntity>(
    entity: QuickBooksEntityName,
    body: { Id: string; SyncToken: string } & Record<string, unknown>,
    options: WriteOptions,
  ): Promise<QuickBooksResult<T>> {
    return this.write<T>(entity, { ...body, sparse: true }, options, 'update');
  }

  /** Zeroes a transaction and keeps it, with "Voided" in PrivateNote (§3.3). */
  void<T extends QuickBooksEntity = QuickBooksEntity>(
    entity: QuickBooksEntityName,
    target: { Id: string; SyncToken: string },
    options: WriteOptions,
  ): Promise<QuickBooksResult<T>> {
    const byUpdate = VOID_BY_UPDATE.has(entity);
    const body = byUpdate ? { Id: target.Id, SyncToken: target.SyncToken, sparse: true } : { ...target };
    const query: Record<string, string> = byUpdate
      ? { operation: 'update', include: 'void' }
      : { operation: 'void' };
    return this.write<T>(entity, body, options, 'void', query);
  }

  /**
   * Up to 30 independent operations in one request (§3.5). Items run in no guaranteed order and cannot
   * see each other; each answers on its own, so one item's fault is that item's error. The answers come
   * back in request order whatever order Intuit lists them in; an item without an answer is `ambiguous`.
   */
  async batch(
    items: readonly BatchItem[],
    options: WriteOptions,
  ): Promise<{ items: BatchItemResult[]; intuitTid?: string }> {
    assertBatch(items);
    const response = await this.send({
      method: 'POST',
      path: '/batch',
      body: { BatchItemRequest: items.map(batchItemRequest) },
      intent: 'write',
      requestId: options.requestId,
      operation: 'batch',
    });
    const answers = new Map<string, Record<string, unknown>>();
    const list = Array.isArray(response.body.BatchItemResponse) ? response.body.BatchItemResponse : [];
    for (const answer of list.filter(isRecord)) {
      if (typeof answer.bId === 'string') answers.set(answer.bId, answer);
    }
    const context = { source: 'api' as const, realmId: this.realmId, intuitTid: response.intuitTid };
    const results = items.map((item): BatchItemResult => {
      const answer = answers.get(item.bId);
      if (!answer) {
        return {
          bId: item.bId,
          ok: false,
          error: new QuickBooksError({
            kind: 'ambiguous',
            message: `QuickBooks's batch answer has no item ${item.bId}; it may have run`,
            intuitTid: response.intuitTid,
            realmId: this.realmId,
          }),
        };
      }
      if (answer.Fault !== undefined) {
        const intent = 'query' in item ? ('read' as const) : ('write' as const);
        return { bId: item.bId, ok: false, error: parseBatchItemFault(answer.Fault, { ...context, intent }) };
      }
      const [name, value] = Object.entries(answer).find(([key, v]) => key !== 'bId' && isRecord(v)) ?? [];
      if (name === undefined || !isRecord(value)) {
        return {
          bId: item.bId,
          ok: false,
          error: new QuickBooksError({
            kind: 'ambiguous',
            message: `QuickBooks's batch answer for item ${item.bId} holds neither an object nor a fault`,
            intuitTid: response.intuitTid,
            realmId: this.realmId,
          }),
        };
      }
      return { bId: item.bId, ok: true, name, value };
    });
    return { items: results, intuitTid: response.intuitTid };
  }

  /**
   * What changed since an instant, for the given entities (§3.6): at most 30 days back, at most 1,000
   * objects in all. Use the answer's `time` minus an overlap as the next `changedSince`, and de-duplicate by
   * Id + SyncToken.
   */
  async changeDataCapture(entities: readonly QuickBooksEntityName[], changedSince: Date): Promise<ChangeSet> {
    if (entities.length === 0) throw new RangeError('changeDataCapture needs at least one entity');
    if (Number.isNaN(changedSince.getTime())) throw new RangeError('changedSince is not a valid date');
    const response = await this.send({
      method: 'GET',
      path: '/cdc',
      query: { entities: entities.join(','), changedSince: changedSince.toISOString() },
      intent: 'read',
      operation: 'cdc',
    });
    const changes: Partial<Record<QuickBooksEntityName, ChangedRecord[]>> = {};
    let objectCount = 0;
    const cdc = Array.isArray(response.body.CDCResponse) ? response.body.CDCResponse.filter(isRecord) : [];
    for (const block of cdc) {
      const queryResponses = Array.isArray(block.QueryResponse) ? block.QueryResponse.filter(isRecord) : [];
      for (const queryResponse of queryResponses) {
        for (const entity of entities) {
          const rows = queryResponse[entity];
          if (!Array.isArray(rows)) continue;
          const records = rows.filter(
            (row): row is ChangedRecord => isRecord(row) && typeof row.Id === 'string',
          );
          changes[entity] = [...(changes[entity] ?? []), ...records];
          objectCount += records.length;
        }
      }
    }
    return {
      changes,
      time: typeof response.body.time === 'string' ? response.body.time : undefined,
      objectCount,
      possiblyTruncated: objectCount >= CDC_MAX_OBJECTS,
      intuitTid: response.intuitTid,
    };
  }

  /**
   * A report (GET /reports/<name>), parsed by column key (reports.ts). Reports have no paging: a window
   * too large comes back cut short (`truncated`), so callers read in windows of six months or less.
   */
  async report(
    name: string,
    params: Record<string, string> = {},
  ): Promise<ParsedReport & { intuitTid?: string }> {
    if (!/^[A-Za-z]+$/.test(name)) throw new RangeError(`not a report name: ${name}`);
    const response = await this.send({
      method: 'GET',
      path: `/reports/${name}`,
      query: params,
      intent: 'read',
      operation: 'report',
    });
    return { ...parseReport(response.body), intuitTid: response.intuitTid };
  }

  private async write<T extends QuickBooksEntity>(
    entity: QuickBooksEntityName,
    body: Record<string, unknown>,
    options: WriteOptions,
    operation: string,
    query?: Record<string, string>,
  ): Promise<QuickBooksResult<T>> {
    const response = await this.send({
      method: 'POST',
      path: `/${entity.toLowerCase()}`,
      query,
      body,
      intent: 'write',
      requestId: options.requestId,
      operation,
    });
    return { entity: entityOf<T>(response, entity, 'write', this.realmId), intuitTid: response.intuitTid };
  }

  /** One refresh and one resend after a 401/3200, with the same request (and so the same requestid). */
  private async send(request: Without<ApiRequest, 'accessToken' | 'realmId'>): Promise<ApiResponse> {
    const token = await this.tokens.getAccessToken();
    try {
      return await this.http.send({ ...request, realmId: this.realmId, accessToken: token });
    } catch (error) {
      if (!isQuickBooksError(error, 'authentication')) throw error;
      const fresh = await this.tokens.refreshAfterUnauthorized(token);
      return this.http.send({ ...request, realmId: this.realmId, accessToken: fresh });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/**
 * The object of a `{ "<Entity>": {…}, "time": … }` answer. Only Id and SyncToken are checked: the rest of
 * T is Intuit's shape, which the caller's own types describe.
 */
function entityOf<T extends QuickBooksEntity>(
  response: ApiResponse,
  entity: QuickBooksEntityName,
  intent: 'read' | 'write',
  realmId: string,
): T {
  const value = response.body[entity];
  if (isRecord(value) && typeof value.Id === 'string' && typeof value.SyncToken === 'string')
    return value as T;
  throw new QuickBooksError({
    kind: intent === 'write' ? 'ambiguous' : 'transient',
    status: response.status,
    message: `QuickBooks answered without the ${entity} object${intent === 'write' ? '; the write may have committed' : ''}`,
    intuitTid: response.intuitTid,
    realmId,
  });
}

function assertPlainQuery(sql: string): void {
  if (sql.trim() === '') throw new RangeError('the query is empty');
  // The client owns paging; a statement that pages itself would get a second STARTPOSITION appended.
  if (/\b(STARTPOSITION|MAXRESULTS)\b/i.test(sql)) {
    throw new RangeError('leave STARTPOSITION and MAXRESULTS to queryPage/query');
  }
}

function assertBatch(items: readonly BatchItem[]): void {
  if (items.length === 0 || items.length > BATCH_MAX_ITEMS) {
    throw new RangeError(`a batch holds 1-${BATCH_MAX_ITEMS} items`);
  }
  const seen = new Set<string>();
  for (const { bId } of items) {
    if (bId.length === 0 || bId.length > BATCH_ID_MAX_LENGTH) {
      throw new RangeError(
        `bId must be 1-${BATCH_ID_MAX_LENGTH} characters (a batch always carries a requestid)`,
      );
    }
    if (seen.has(bId)) throw new RangeError(`bId ${bId} appears twice: answers are paired by bId`);
    seen.add(bId);
  }
}

function batchItemRequest(item: BatchItem): Record<string, unknown> {
  if ('query' in item) return { bId: item.bId, Query: item.query };
  return {
    bId: item.bId,
    operation: item.operation,
    ...(item.optionsData === undefined ? {} : { optionsData: item.optionsData }),
    [item.entity]: item.body,
  };
}
