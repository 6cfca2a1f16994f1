import type { Realm } from '../company/realm.js';
import { DISPLAY_NAME_ENTITIES, DOC_NUMBER_ENTITIES, UNIQUE_NAME_ENTITIES } from '../company/realm.js';
import { Faults } from '../errors.js';
import type { QuerySettings } from '../settings.js';
import type { Doc } from '../util/json.js';
import { readPath } from '../util/json.js';
import { parseQboInstant } from '../util/time.js';
import type { EntityDefinition } from './entities/context.js';
import { definitionByEntityName } from './entities/registry.js';
import type { Condition, Literal } from './query.js';
import { parseQuery } from './query.js';
import type { EntityQueryTable, QueryableField } from './queryable-fields.js';
import { queryTable } from './queryable-fields.js';

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

export interface QueryResult {
  entity: EntityDefinition;
  response: Doc;
}

export function runQuery(realm: Realm, source: string, settings: QuerySettings): QueryResult {
  const query = parseQuery(source, settings);
  const definition = definitionByEntityName(query.entity);
  if (!definition) throw Faults.queryParse(`Invalid context declaration : ${query.entity}`);
  const entity = definition.name;
  const table = queryTable(entity);

  // Only what the client wrote is checked; the emulator's own Active filter below is not a client filter.
  const filters = query.conditions.map((condition) => resolveFilter(table, entity, condition, settings));
  const sorts = query.orderBy.map((order) => ({
    ...order,
    field: resolveSort(table, entity, order.field, settings),
  }));

  let rows = candidates(realm, definition, filters);
  // Name lists answer with active records only unless the query mentions Active.
  const mentionsActive = filters.some((c) => c.field.toLowerCase() === 'active');
  if (settings.activeOnlyByDefault && !mentionsActive && definition.kind !== 'transaction') {
    filters.push({ field: 'Active', op: '!=', values: [{ kind: 'boolean', value: false }] });
  }
  rows = rows.filter((doc) => filters.every((condition) => matches(realm, doc, condition)));

  if (query.count) return { entity: definition, response: { totalCount: rows.length } };

  if (sorts.length > 0) {
    rows = [...rows].sort((a, b) => {
      for (const { field, descending } of sorts) {
        const order = compareValues(realm, readPath(a, field), readPath(b, field));
        if (order !== 0) return descending ? -order : order;
      }
      return 0;
    });
  }
  // STARTPOSITION is 1-based (§3.4), yet Intuit parses and runs `STARTPOSITION 0`: DotNet-SDK#111 got past
  // the parser to a 4002 processing error, and Intuit's own SDK test queries "select * from Customer
  // startPosition 0 maxResults 10" (QuickBooks-V3-DotNET-SDK .../QBO/BatchProcessingTests.cs). Which rows
  // it returns is UNCONFIRMED; the only reading that makes sense is the first page.
  const start = Math.max(query.startPosition ?? 1, 1);
  let max = query.maxResults ?? settings.defaultMaxResults;
  if (max > settings.maxResults) {
    if (settings.overMaxResults === 'error') {
      throw Faults.queryValidation(`MAXRESULTS ${max} exceeds the maximum of ${settings.maxResults}`);
    }
    max = settings.maxResults;
  }
  const page = rows.slice(start - 1, start - 1 + max);
  // No match is an empty QueryResponse with no entity key (§3.4).
  if (page.length === 0)
    return { entity: definition, response: settings.totalCountOnSelect ? { totalCount: 0 } : {} };
  const response: Doc = { [entity]: page, startPosition: start, maxResults: page.length };
  if (settings.totalCountOnSelect) response.totalCount = rows.length;
  return { entity: definition, response };
}

/**
 * A WHERE property must be marked filterable in the entity reference (see queryable-fields.ts), else 4001:
 * "property 'X' is not queryable" for a property the entity has, "Property X not found for Entity Y" for one
 * it does not. The property is echoed as the client spelled it. One map look-up per condition.
 */
function resolveFilter(
  table: EntityQueryTable,
  entity: string,
  condition: Condition,
  settings: QuerySettings,
): Condition {
  const rule = lookup(table, condition.field, settings);
  if (rule?.filterable) return { ...condition, field: rule.valuePath };
  throw unqueryable(table, entity, condition.field);
}

/**
 * What Intuit does with ORDERBY on a property without the sortable trait is UNCONFIRMED: `lenient` sorts by
 * anything (missing values first), `sortable` answers it like a non-filterable WHERE, in words of our own.
 */
function resolveSort(
  table: EntityQueryTable,
  entity: string,
  field: string,
  settings: QuerySettings,
): string {
  const rule = lookup(table, field, settings);
  if (rule?.sortable) return rule.valuePath;
  if (settings.orderBy === 'lenient') return rule?.valuePath ?? field;
  if (rule === undefined && !table.known.has(root(field))) throw notFound(entity, field);
  throw Faults.queryValidation(`property '${field}' is not sortable`);
}

function lookup(table: EntityQueryTable, field: string, settings: QuerySettings): QueryableField | undefined {
  const key = field.toLowerCase();
  const rule = table.fields.get(key);
  if (rule) return rule;
  // The reference marks the EmailAddress property itself filterable, not its Address child; whether Intuit
  // also takes `PrimaryEmailAddr.Address` is UNCONFIRMED (setting query.emailAddressSubfield).
  if (settings.emailAddressSubfield === 'match' && key.endsWith('.address')) {
    const parent = table.fields.get(key.slice(0, -'.address'.length));
    if (parent && parent.valuePath.toLowerCase() === key) return parent;
  }
  return undefined;
}

function root(field: string): string {
  return (field.split('.')[0] ?? field).toLowerCase();
}

function unqueryable(table: EntityQueryTable, entity: string, field: string) {
  // [OBS] ruckus/quickbooks-ruby#403: <Error code="4001"><Message>Invalid query</Message>
  // <Detail>QueryValidationError: property 'PrimaryEmailAddr' is not queryable</Detail>.
  if (table.known.has(root(field))) return Faults.queryValidation(`property '${field}' is not queryable`);
  return notFound(entity, field);
}

function notFound(entity: string, field: string) {
  // Intuit's own SDK test notes "QueryValidationError: Property status not found for Entity Customer"
  // (QuickBooks-V3-DotNET-SDK .../QBO/QueryFilterTests.cs).
  return Faults.queryValidation(`Property ${field} not found for Entity ${entity}`);
}

/** Equality on Id, DisplayName, Name, DocNumber and Customer e-mail goes through an index instead of a scan. */
function candidates(realm: Realm, definition: EntityDefinition, conditions: readonly Condition[]): Doc[] {
  const table = realm.table(definition.name);
  for (const condition of conditions) {
    const field = condition.field.toLowerCase();
    const values = condition.op === '=' || condition.op === 'IN' ? condition.values.map(literalText) : [];
    if (values.length === 0) continue;
    if (field === 'id') return values.map((v) => table.get(v)).filter((d): d is Doc => d !== undefined);
    if (field === 'displayname' && DISPLAY_NAME_ENTITIES.has(definition.name)) {
      return values
        .flatMap((v) => realm.holdersOfDisplayName(v))
        .filter((hit) => hit.entity === definition.name)
        .map((hit) => table.get(hit.id))
        .filter((d): d is Doc => d !== undefined);
    }
    if (field === 'docnumber' && DOC_NUMBER_ENTITIES.has(definition.name)) {
      return values
        .flatMap((v) => [...(realm.findByDocNumber(definition.name, v) ?? [])].map((id) => table.get(id)))
        .filter((d): d is Doc => d !== undefined);
    }
    if (field === 'primaryemailaddr.address' && definition.name === 'Customer') {
      const ids = new Set(values.flatMap((v) => realm.findCustomersByEmail(v)));
      return [...ids].map((id) => table.get(id)).filter((d): d is Doc => d !== undefined);
    }
    if ((field === 'name' || field === 'fullyqualifiedname') && UNIQUE_NAME_ENTITIES.has(definition.name)) {
      const hits = values.map((v) => realm.holdersOfUniqueName(definition.name, v));
      // Sub-items are indexed by FullyQualifiedName, so a miss on Name may still match by scan.
      if (hits.every((ids) => ids.length > 0)) {
        return hits
          .flat()
          .map((id) => table.get(id))
          .filter((d): d is Doc => d !== undefined);
      }
    }
  }
  return [...table.values()];
}

function literalText(literal: Literal): string {
  return String(literal.value);
}

function matches(realm: Realm, doc: Doc, condition: Condition): boolean {
  const actual = readPath(doc, condition.field);
  switch (condition.op) {
    case 'IN':
      return condition.values.some((literal) => compareToLiteral(realm, actual, literal) === 0);
    case 'LIKE': {
      if (typeof actual !== 'string') return false;
      const pattern = String(condition.values[0]?.value ?? '');
      // LIKE supports only the % wildcard (§3.4).
      const regex = new RegExp(
        `^${pattern
          .split('%')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
        'is',
      );
      return regex.test(actual);
    }
    default: {
      const literal = condition.values[0];
      if (!literal) return false;
      if (condition.op === '!=') {
        if (actual === undefined) return true;
        return compareToLiteral(realm, actual, literal) !== 0;
      }
      const order = compareToLiteral(realm, actual, literal);
      if (order === null) return false;
      switch (condition.op) {
        case '=':
          return order === 0;
        case '<':
          return order < 0;
        case '>':
          return order > 0;
        case '<=':
          return order <= 0;
        case '>=':
          return order >= 0;
      }
    }
  }
}

/** Strings compare case-insensitively; numbers, booleans and dates by value. null = not comparable. */
function compareToLiteral(realm: Realm, actual: unknown, literal: Literal): number | null {
  if (actual === undefined || actual === null) return null;
  if (literal.kind === 'boolean') {
    const value =
      typeof actual === 'boolean' ? actual : actual === 'true' ? true : actual === 'false' ? false : null;
    return value === null ? null : Number(value) - Number(literal.value);
  }
  return compareValues(realm, actual, literal.value);
}

function compareValues(realm: Realm, a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : -1;
  if (b === undefined || b === null) return 1;
  const numA = toNumber(a);
  const numB = toNumber(b);
  if (numA !== null && numB !== null) return Math.sign(numA - numB);
  if (typeof a === 'string' && typeof b === 'string' && DATE_LIKE.test(a) && DATE_LIKE.test(b)) {
    return Math.sign(parseQboInstant(a, realm.offsetMinutes) - parseQboInstant(b, realm.offsetMinutes));
  }
  const textA = String(a).toLowerCase();
  const textB = String(b).toLowerCase();
  return textA < textB ? -1 : textA > textB ? 1 : 0;
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return null;
}
