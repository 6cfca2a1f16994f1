import type { Realm } from '../company/realm.js';
import { Faults } from '../errors.js';
import type { CdcSettings } from '../settings.js';
import type { Doc } from '../util/json.js';
import { getDoc, getString } from '../util/json.js';
import { formatQboTime, parseQboInstant } from '../util/time.js';
import { definitionByEntityName } from './entities/registry.js';

interface Row {
  at: number;
  doc: Doc;
}

/**
 * GET /cdc?entities=…&changedSince=… (§3.6): everything changed since the instant, deleted records as
 * `status: Deleted`, within a 30-day lookback and 1,000 objects shared by all requested entities.
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
  let since = parseQboInstant(changedSince, realm.offsetMinutes);
  if (!Number.isFinite(since))
    throw Faults.requestMalformed(`changedSince: ${changedSince} is not a date-time`);
  const oldest = now - settings.lookbackDays * 86_400_000;
  if (since < oldest) {
    // What Intuit answers past the lookback is UNCONFIRMED: a ValidationFault by default.
    if (settings.tooOld === 'error') {
      throw Faults.businessValidation(
        `Business Validation Error: changedSince must be within the last ${settings.lookbackDays} days.`,
      );
    }
    since = oldest;
  }
  const definitions = entitiesParam.split(',').map((name) => {
    const definition = definitionByEntityName(name.trim());
    if (!definition) throw Faults.queryValidation(`Invalid entity for change data capture: ${name.trim()}`);
    return definition;
  });

  let budget = settings.maxObjects;
  const responses = definitions.map((definition) => {
    const rows: Row[] = [];
    for (const doc of realm.table(definition.name).values()) {
      const updated = getString(getDoc(doc, 'MetaData') ?? {}, 'LastUpdatedTime');
      const at = updated === undefined ? Number.NaN : parseQboInstant(updated, realm.offsetMinutes);
      if (at >= since) rows.push({ at, doc });
    }
    for (const [id, tombstone] of realm.tombstones.get(definition.name) ?? []) {
      if (tombstone.deletedAt < since) continue;
      rows.push({
        at: tombstone.deletedAt,
        doc: {
          Id: id,
          status: 'Deleted',
          domain: 'QBO',
          MetaData: { LastUpdatedTime: formatQboTime(tombstone.deletedAt, realm.offsetMinutes, false) },
        },
      });
    }
    rows.sort((a, b) => a.at - b.at);
    const page = rows.slice(0, Math.max(0, budget)).map((row) => row.doc);
    budget -= page.length;
    if (page.length === 0) return {};
    return { [definition.name]: page, startPosition: 1, maxResults: page.length };
  });
  return { CDCResponse: [{ QueryResponse: responses }] };
}
