import type { Realm } from '../company/realm.js';
import { Faults, QboFault, faultObject } from '../errors.js';
import { REQUEST_ID_MAX_LENGTH } from '../idempotency.js';
import type { BatchSettings } from '../settings.js';
import type { Doc } from '../util/json.js';
import { getArray, getString, isDoc } from '../util/json.js';
import { seededRandom } from '../util/random.js';
import { definitionByEntityName } from './entities/registry.js';
import type { AccountingService } from './service.js';

const ITEM_KEYS = new Set(['bId', 'operation', 'optionsData', 'Query']);

interface Outcome {
  response: Doc;
  /** `entity\u0000id` of the record this item created, hidden from the items that run after it. */
  created?: string;
}

/**
 * POST /batch (§3.5): up to 30 items, each answered by its bId and succeeding or faulting on its own.
 *
 * Intuit's batch reference: "Execution order of BatchItemRequest objects should not be assumed" and "a given
 * object cannot depend on another one within the same batch operation. For example, a newly created
 * customer is not available for a subsequent invoice create operation"; the 2017 blog adds "requests do not
 * have visibility of earlier requests included from the same payload". So by default items run in a seeded
 * shuffled order and see the company as it was before the batch: queries run first, and records created by
 * one item are invisible to the others (references answer 2500, 6240/6140 do not count them, so two creates
 * of one name can both succeed). An update of a record that an earlier-executed item already changed meets
 * 5010, its SyncToken being stale. Renames and deletes by other items are seen as they happen.
 */
export function runBatch(
  service: AccountingService,
  realm: Realm,
  body: Doc,
  settings: BatchSettings,
  requestId: string | undefined,
): Doc[] {
  const items = getArray(body, 'BatchItemRequest');
  if (!items) throw Faults.requiredParam('BatchItemRequest');
  if (items.length > settings.maxItems) {
    // The fault code for an oversized batch is UNCONFIRMED (§3.5).
    throw Faults.businessValidation(
      `Business Validation Error: The batch contains ${items.length} items; the maximum is ${settings.maxItems}.`,
    );
  }
  const requests = items.map((raw) => (isDoc(raw) ? raw : {}));
  const bIds = requests.map(bIdOf);
  const order = executionOrder(bIds, settings);
  const answers = new Array<Doc | undefined>(requests.length);
  const answer = (index: number): Outcome => {
    const bId = bIds[index];
    try {
      if (bId === undefined) throw Faults.requiredParam('bId');
      // Intuit stores each item under requestid + bId and caps that at 50 characters
      // ([OBS] intuit/QuickBooks-V3-Java-SDK#180: 32-character requestid + 36-character bId → 6000 per item).
      if (requestId !== undefined && requestId.length + bId.length > REQUEST_ID_MAX_LENGTH) {
        throw Faults.requestIdTooLong(requestId + bId, REQUEST_ID_MAX_LENGTH);
      }
      const outcome = runItem(service, realm, requests[index] ?? {});
      return { response: { bId, ...outcome.response }, created: outcome.created };
    } catch (error) {
      if (!(error instanceof QboFault)) throw error;
      return { response: { bId: bId ?? '', Fault: faultObject(error) } };
    }
  };

  if (settings.itemsSeeEachOther) {
    for (const index of order) answers[index] = answer(index).response;
  } else {
    // Queries are reads, so running them before any write gives them the pre-batch company.
    for (const index of order) {
      if (getString(requests[index] ?? {}, 'Query') !== undefined) answers[index] = answer(index).response;
    }
    const hidden = new Set<string>();
    realm.batchCreated = hidden;
    try {
      for (const index of order) {
        if (answers[index] !== undefined) continue;
        const outcome = answer(index);
        answers[index] = outcome.response;
        if (outcome.created !== undefined) hidden.add(outcome.created);
      }
    } finally {
      realm.batchCreated = null;
    }
  }
  const sequence = settings.responseOrder === 'request' ? requests.map((_, index) => index) : order;
  return sequence.map((index) => answers[index] ?? {});
}

/**
 * The answer to a batch whose requestid cannot be honoured (a replay in `item-fault` mode, or a reused id
 * with another request): every bId of the request carries the fault, as in the capture of
 * ruckus/quickbooks-ruby#344.
 */
export function batchItemFaults(body: Doc, fault: QboFault): Doc[] {
  const items = getArray(body, 'BatchItemRequest') ?? [];
  return items.map((raw) => ({ bId: bIdOf(isDoc(raw) ? raw : {}) ?? '', Fault: faultObject(fault) }));
}

/** How many items a batch body holds (1 when it cannot be read or is refused whole), for rate limits. */
export function batchItemCount(rawBody: string, maxItems: number): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return 1;
  }
  const items = isDoc(parsed) ? parsed.BatchItemRequest : undefined;
  if (!Array.isArray(items) || items.length > maxItems) return 1;
  return Math.max(1, items.length);
}

function bIdOf(item: Doc): string | undefined {
  return getString(item, 'bId') ?? (typeof item.bId === 'number' ? String(item.bId) : undefined);
}

/**
 * Request order, or a shuffle seeded by `batch.seed` and the bIds, so the same batch runs the same way on
 * every run. A shuffle that comes out as the request order is rotated by one: a client that pairs answers
 * with requests by position then fails every time instead of once in n! runs.
 */
function executionOrder(bIds: (string | undefined)[], settings: BatchSettings): number[] {
  const order = bIds.map((_, index) => index);
  if (settings.order === 'in-order' || order.length < 2) return order;
  const random = seededRandom(`${settings.seed}\u0000${bIds.join('\u0000')}`);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] ?? j, order[i] ?? i];
  }
  if (order.every((value, index) => value === index)) order.push(order.shift() ?? 0);
  return order;
}

function runItem(service: AccountingService, realm: Realm, item: Doc): { response: Doc; created?: string } {
  const query = getString(item, 'Query');
  if (query !== undefined) return { response: { QueryResponse: service.query(realm, query) } };
  const entityKey = Object.keys(item).find((key) => !ITEM_KEYS.has(key));
  const definition = entityKey === undefined ? undefined : definitionByEntityName(entityKey);
  const entityBody = entityKey === undefined ? undefined : item[entityKey];
  if (!definition || !isDoc(entityBody)) throw Faults.requiredParam('BatchItemRequest entity');
  const options = optionsOf(item);
  const writeOptions = {
    allowDuplicateDocNumber: options.has('allowduplicatedocnum'),
    requestBody: entityBody,
  };
  const operation = getString(item, 'operation') ?? 'create';
  let result: Doc;
  let created: string | undefined;
  switch (operation) {
    case 'create':
      result = service.create(realm, definition, entityBody, writeOptions);
      created = `${definition.name}\u0000${getString(result, 'Id') ?? ''}`;
      break;
    case 'update':
      // optionsData "void" turns an update into a void (§3.5).
      result = options.has('void')
        ? service.void(realm, definition, entityBody)
        : service.update(realm, definition, entityBody, writeOptions);
      break;
    case 'delete':
      result = service.remove(realm, definition, entityBody);
      break;
    default:
      throw Faults.invalidEnumeration('operation', operation);
  }
  return { response: { [definition.name]: result }, created };
}

function optionsOf(item: Doc): Set<string> {
  const raw = item.optionsData;
  const values = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
  return new Set(values.filter((v): v is string => typeof v === 'string').map((v) => v.trim().toLowerCase()));
}
