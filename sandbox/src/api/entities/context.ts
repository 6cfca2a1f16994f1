import type { EntityName, Realm } from '../../company/realm.js';
import { Faults } from '../../errors.js';
import type { SandboxSettings } from '../../settings.js';
import type { Doc } from '../../util/json.js';
import { getDoc, getRefValue, getString, isDoc } from '../../util/json.js';

export interface WriteOptions {
  /** `include=allowduplicatedocnum` (REST) or `optionsData` (batch) (§3.3). */
  allowDuplicateDocNumber: boolean;
  /** The body exactly as the client sent it, to tell supplied values from merged ones on sparse updates. */
  requestBody: Doc;
}

export class EntityContext {
  readonly today: string;

  constructor(
    readonly realm: Realm,
    readonly settings: SandboxSettings,
    readonly now: number,
    today: string,
    readonly options: WriteOptions,
  ) {
    this.today = today;
  }

  preferences(): Doc {
    return this.realm.get('Preferences', '1') ?? {};
  }

  salesFormsPrefs(): Doc {
    return getDoc(this.preferences(), 'SalesFormsPrefs') ?? {};
  }

  bookCloseDate(): string | undefined {
    return getString(getDoc(this.preferences(), 'AccountingInfoPrefs') ?? {}, 'BookCloseDate');
  }

  homeCurrency(): Doc {
    const currency = getDoc(getDoc(this.preferences(), 'CurrencyPrefs') ?? {}, 'HomeCurrency');
    return currency ?? { value: 'USD' };
  }

  /**
   * Resolves `{value}` references. A reference to nothing is 2500 Invalid Reference Id; a reference to an
   * inactive name-list record is 610 Object Not Found (§5.4, handling-common-errors). Fills in `name`.
   */
  resolveRef(entity: EntityName, holder: Doc, field: string, required: boolean): Doc | undefined {
    const raw = holder[field];
    const value = getRefValue(holder, field);
    if (value === undefined) {
      if (required || (raw !== undefined && raw !== null && !isDoc(raw))) throw Faults.requiredParam(field);
      return undefined;
    }
    const target = this.realm.get(entity, value);
    if (!target) throw Faults.invalidReference(field);
    if (target.Active === false) throw Faults.inactiveReference();
    const name =
      getString(target, 'FullyQualifiedName') ??
      getString(target, 'DisplayName') ??
      getString(target, 'Name');
    holder[field] = name === undefined ? { value } : { value, name };
    return target;
  }

  assertOpenPeriod(txnDate: string | undefined): void {
    if (!this.settings.api.enforceBookCloseDate || txnDate === undefined) return;
    const closeDate = this.bookCloseDate();
    if (closeDate !== undefined && txnDate <= closeDate) throw Faults.periodClosed();
  }
}

export type EntityKind = 'name' | 'transaction' | 'readonly' | 'singleton';

export interface EntityDefinition {
  name: EntityName;
  /** Lower-case URL segment (`/invoice`); Intuit's URIs are case-sensitive (§3.1). */
  path: string;
  kind: EntityKind;
  /** Validates and computes a full document (without Id/SyncToken/MetaData); throws QboFault. */
  build?(ctx: EntityContext, input: Doc, existing: Doc | undefined): Doc;
  /** The voided form of a transaction. */
  voided?(ctx: EntityContext, existing: Doc): Doc;
  /** Throws when a transaction may not be deleted (e.g. linked payments). */
  assertDeletable?(ctx: EntityContext, existing: Doc): void;
  /** Side effects after a write; `next` is undefined after a delete. Returns other changed entities. */
  afterWrite?(ctx: EntityContext, previous: Doc | undefined, next: Doc | undefined): ChangedEntity[];
}

export interface ChangedEntity {
  entity: EntityName;
  id: string;
  operation: 'Update';
}

export function checkLength(doc: Doc, field: string, max: number): void {
  const value = getString(doc, field);
  if (value !== undefined && value.length > max) throw Faults.stringTooLong(field, max);
}

/** The documented syntax check is loose (§6.2): an @ and a dot after it. */
export function checkEmail(holder: Doc | undefined, field: string): void {
  if (!holder) return;
  const address = getString(holder, 'Address');
  if (address !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) throw Faults.invalidEmail(field);
}

/** Intuit bumps SyncToken and LastUpdatedTime on every successful write. */
export function touch(doc: Doc, lastUpdated: string): Doc {
  const syncToken = Number(getString(doc, 'SyncToken') ?? '0') + 1;
  const meta = getDoc(doc, 'MetaData') ?? {};
  return { ...doc, SyncToken: String(syncToken), MetaData: { ...meta, LastUpdatedTime: lastUpdated } };
}
