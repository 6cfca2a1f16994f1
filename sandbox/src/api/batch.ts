import type { Realm } from '../company/realm.js';
import { Faults, QboFault, faultObject } from '../errors.js';
import type { Doc } from '../util/json.js';
import { getArray, getString, isDoc } from '../util/json.js';
import { definitionByEntityName } from './entities/registry.js';
import type { AccountingService } from './service.js';

const ITEM_KEYS = new Set(['bId', 'operation', 'optionsData', 'Query']);

/**
 * POST /batch (§3.5): up to 30 items, each answered by its bId and succeeding or faulting on its own.
 * Items run in order here, but, as at Intuit, one item cannot see another's result by design.
 */
export function runBatch(service: AccountingService, realm: Realm, body: Doc, maxItems: number): Doc[] {
  const items = getArray(body, 'BatchItemRequest');
  if (!items) throw Faults.requiredParam('BatchItemRequest');
  if (items.length > maxItems) {
    // The fault code for an oversized batch is UNCONFIRMED (§3.5).
    throw Faults.businessValidation(
      `Business Validation Error: The batch contains ${items.length} items; the maximum is ${maxItems}.`,
    );
  }
  return items.map((raw) => {
    const item = isDoc(raw) ? raw : {};
    const bId = getString(item, 'bId') ?? (typeof item.bId === 'number' ? String(item.bId) : undefined);
    try {
      if (bId === undefined) throw Faults.requiredParam('bId');
      return { bId, ...runItem(service, realm, item) };
    } catch (error) {
      if (!(error instanceof QboFault)) throw error;
      return { bId: bId ?? '', Fault: faultObject(error) };
    }
  });
}

function runItem(service: AccountingService, realm: Realm, item: Doc): Doc {
  const query = getString(item, 'Query');
  if (query !== undefined) return { QueryResponse: service.query(realm, query) };
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
  switch (operation) {
    case 'create':
      result = service.create(realm, definition, entityBody, writeOptions);
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
  return { [definition.name]: result };
}

function optionsOf(item: Doc): Set<string> {
  const raw = item.optionsData;
  const values = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
  return new Set(values.filter((v): v is string => typeof v === 'string').map((v) => v.trim().toLowerCase()));
}
