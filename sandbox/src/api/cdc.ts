import type { EntityName, Realm } from '../company/realm.js';
import { Faults } from '../errors.js';
import type { CdcSettings } from '../settings.js';
import type { Doc } from '../util/json.js';
import { getDoc, getString } from '../util/json.js';
import { formatQboTime, parseIsoInstant, parseQboInstant } from '../util/time.js';
import { definitionByEntityName } from './entities/registry.js';

/**
 * "You can use the CDC operation for all API entities except JournalCode, TaxAgency, TimeActivity, TaxCode,
 * TaxRate" (developer.intuit.com …/explore-the-quickbooks-online-api/change-data-capture). What Intuit
 * answers when one is asked for is not captured; the emulator refuses the request so a client finds out.
 */
const NOT_IN_CDC: ReadonlySet<string> = new Set([
  'JournalCode',
  'TaxAgency',
  'TimeActivity',
  'TaxCode',
  'TaxRate',
]);

interface Row {
  /** Exact instant of the record's last change (ms). */
  at: number;
  id: string;
  doc: Doc;
}

/**
 * GET /cdc?entities=…&changedSince=… (§3.6): every record changed at or after the instant, once, in its
 * latest state; deleted transactions as `{domain, status: "Deleted", Id, MetaData}` (the doc's sample);
 * within a 30-day lookback; at most 1,000 objects shared by all requested entities.
 *
 * `changedSince` is compared with the record's exact change instant (settings.changeTimePrecision), not
 * with the whole-second LastUpdatedTime the record shows, so a change at 15:20:00.700 is returned for
 * changedSince=15:20:00.500Z.
 */
export function runCdc(
  realm: Realm,
  entitiesParam: string | undefined,
  changedSince: string | undefined,
  now: number,
  settings: CdcSettings,
): Doc {
  if (!entitiesParam) throw Faults.requiredParam('entities');
  if (!changedSince) throw Faults.requiredParam('changedSince');
  // The doc's parameter is "ISO (YYYY-MM-DD)"; its sample sends 2015-12-23T10:00:00-07:00.
  let since = parseIsoInstant(changedSince.trim(), realm.offsetMinutes);
  if (!Number.isFinite(since))
    throw Faults.requestMalformed(`changedSince: ${changedSince} is not a date-time`);
  const oldest = now - settings.lookbackDays * 86_400_000;
  if (since < oldest) {
    // What Intuit answers past the lookback is UNCONFIRMED: a ValidationFault by default, with the Detail a
    // developer quoted in Wish-Org/QuickBooksSharp#19 (code and Message not captured).
    if (settings.tooOld === 'error') {
      throw Faults.businessValidation(
        `Operation cdc with changedSince date ${changedSince} which is older than fixed days is not supported.`,
      );
    }
    since = oldest;
  }
  const definitions = entitiesParam.split(',').map((raw) => {
    const name = raw.trim();
    const definition = definitionByEntityName(name);
    if (!definition || NOT_IN_CDC.has(definition.name))
      throw Faults.queryValidation(`Invalid entity for change data capture: ${name}`);
    return definition;
  });

  let budget = settings.maxObjects;
  const responses = definitions.map((definition) => {
    const rows = changedRows(realm, definition.name, since, settings);
    const newestFirst = settings.order === 'newest-first';
    rows.sort((a, b) => (newestFirst ? b.at - a.at : a.at - b.at) || Number(a.id) - Number(b.id));
    const page = rows.slice(0, Math.max(0, budget)).map((row) => row.doc);
    budget -= page.length;
    if (page.length === 0) return {};
    return { [definition.name]: page, startPosition: 1, maxResults: page.length };
  });
  return { CDCResponse: [{ QueryResponse: responses }] };
}

/** Live records and tombstones of one entity changed at or after `since`; a record appears once. */
function changedRows(realm: Realm, entity: EntityName, since: number, settings: CdcSettings): Row[] {
  const compared = (at: number) =>
    settings.changeTimePrecision === 'seconds' ? Math.floor(at / 1000) * 1000 : at;
  const rows: Row[] = [];
  for (const doc of realm.table(entity).values()) {
    const id = getString(doc, 'Id') ?? '';
    const at = changeInstant(realm, entity, id, doc);
    if (compared(at) >= since) rows.push({ at, id, doc });
  }
  for (const [id, tombstone] of realm.tombstones.get(entity) ?? []) {
    if (compared(tombstone.deletedAt) < since) continue;
    rows.push({
      at: tombstone.deletedAt,
      id,
      doc: {
        domain: 'QBO',
        status: 'Deleted',
        Id: id,
        MetaData: { LastUpdatedTime: formatQboTime(tombstone.deletedAt, realm.offsetMinutes, false) },
      },
    });
  }
  return rows;
}

/**
 * The exact instant the service noted for the record's last write; the wire LastUpdatedTime (whole seconds)
 * wins if it is later, so a record changed by a path that did not note an instant is still found.
 */
function changeInstant(realm: Realm, entity: EntityName, id: string, doc: Doc): number {
  const updated = getString(getDoc(doc, 'MetaData') ?? {}, 'LastUpdatedTime');
  const shown = updated === undefined ? Number.NaN : parseQboInstant(updated, realm.offsetMinutes);
  const noted = realm.changedAt(entity, id);
  if (noted === undefined) return shown;
  return Number.isFinite(shown) ? Math.max(noted, shown) : noted;
}
