import type { Doc } from '../util/json.js';
import { getString } from '../util/json.js';

export type Country = 'US' | 'CA' | 'GB' | 'AU';

export const ENTITY_NAMES = [
  'CompanyInfo',
  'Preferences',
  'Account',
  'TaxRate',
  'TaxCode',
  'Term',
  'Class',
  'Item',
  'Customer',
  'Vendor',
  'Employee',
  'Invoice',
  'Payment',
] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

/** DisplayName is unique across Customer, Vendor and Employee together (6240, §6.2). */
export const DISPLAY_NAME_ENTITIES: ReadonlySet<EntityName> = new Set(['Customer', 'Vendor', 'Employee']);
/** Name-list entities whose Name (FullyQualifiedName) is unique within the entity. */
export const UNIQUE_NAME_ENTITIES: ReadonlySet<EntityName> = new Set(['Item', 'Account', 'Class']);
export const DOC_NUMBER_ENTITIES: ReadonlySet<EntityName> = new Set(['Invoice']);
export const TRANSACTION_ENTITIES: ReadonlySet<EntityName> = new Set(['Invoice', 'Payment']);

export interface RealmOptions {
  realmId?: string;
  country?: Country;
  companyName?: string;
  /** Preferences.SalesFormsPrefs.CustomTxnNumbers. */
  customTxnNumbers?: boolean;
  /** Preferences.AccountingInfoPrefs.BookCloseDate (yyyy-MM-dd). */
  bookCloseDate?: string | null;
  /** The preference that makes 6140 fire on invoices is UNCONFIRMED (§6.1): a per-company flag. */
  duplicateDocNumberCheck?: boolean;
  /** Fixed UTC offset of the company's wall clock, in minutes. */
  offsetMinutes?: number;
}

export type NameMatch = 'case-insensitive' | 'exact';

/**
 * One QuickBooks company. Entities live in per-type maps keyed by Id, with unique indexes on the fields the
 * sync engine looks up by (DisplayName, Name, DocNumber) so look-ups stay constant-time as data grows.
 */
export class Realm {
  readonly realmId: string;
  readonly country: Country;
  readonly offsetMinutes: number;
  duplicateDocNumberCheck: boolean;
  private readonly tables = new Map<EntityName, Map<string, Doc>>();
  /** Deleted transactions, kept for CDC's `status: Deleted` rows. */
  readonly tombstones = new Map<EntityName, Map<string, { deletedAt: number; doc: Doc }>>();
  private readonly sequences = new Map<string, number>();
  private readonly displayNames = new Map<string, { entity: EntityName; id: string }>();
  private readonly uniqueNames = new Map<EntityName, Map<string, string>>();
  private readonly docNumbers = new Map<EntityName, Map<string, Set<string>>>();
  /** invoiceId -> paymentId -> amount applied, so Balance is recomputed without scanning payments. */
  readonly paymentLinks = new Map<string, Map<string, number>>();
  private lastDocNumber = 1000;
  /** Apps that completed OAuth for this company: webhooks go only to them (§7.1). */
  readonly connectedApps = new Set<string>();
  /** Apps whose connecting user lost access: API calls answer 401/120 (§5.3c). */
  readonly lostAccessApps = new Set<string>();
  /** Sandbox e-mail budget (40 a day per company, §4.1). */
  emailDay = '';
  emailsSent = 0;

  constructor(
    options: Required<Pick<RealmOptions, 'realmId' | 'country' | 'offsetMinutes'>> & RealmOptions,
    private readonly nameMatch: () => NameMatch,
  ) {
    this.realmId = options.realmId;
    this.country = options.country;
    this.offsetMinutes = options.offsetMinutes;
    this.duplicateDocNumberCheck = options.duplicateDocNumberCheck ?? true;
    for (const name of ENTITY_NAMES) {
      this.tables.set(name, new Map());
      this.tombstones.set(name, new Map());
    }
  }

  get isUS(): boolean {
    return this.country === 'US';
  }

  table(entity: EntityName): Map<string, Doc> {
    const table = this.tables.get(entity);
    if (!table) throw new Error(`no table for ${entity}`);
    return table;
  }

  get(entity: EntityName, id: string): Doc | undefined {
    return this.table(entity).get(id);
  }

  /** QuickBooks numbers name lists per type and all transactions from one sequence. */
  nextId(entity: EntityName): string {
    const key = TRANSACTION_ENTITIES.has(entity) ? 'txn' : entity;
    const next = (this.sequences.get(key) ?? 0) + 1;
    this.sequences.set(key, next);
    return String(next);
  }

  /** Keeps numeric ids from seed data ahead of the sequence. */
  noteId(entity: EntityName, id: string): void {
    const numeric = Number(id);
    if (!Number.isInteger(numeric)) return;
    const key = TRANSACTION_ENTITIES.has(entity) ? 'txn' : entity;
    if (numeric > (this.sequences.get(key) ?? 0)) this.sequences.set(key, numeric);
  }

  nextDocNumber(): string {
    this.lastDocNumber += 1;
    return String(this.lastDocNumber);
  }

  noteDocNumber(docNumber: string): void {
    const numeric = Number(docNumber);
    if (Number.isInteger(numeric) && numeric > this.lastDocNumber && numeric < 1e12)
      this.lastDocNumber = numeric;
  }

  normalizeName(name: string): string {
    const trimmed = name.trim().replace(/\s+/g, ' ');
    return this.nameMatch() === 'exact' ? trimmed : trimmed.toLowerCase();
  }

  findByDisplayName(name: string): { entity: EntityName; id: string } | undefined {
    return this.displayNames.get(this.normalizeName(name));
  }

  findByUniqueName(entity: EntityName, name: string): string | undefined {
    return this.uniqueNames.get(entity)?.get(this.normalizeName(name));
  }

  findByDocNumber(entity: EntityName, docNumber: string): ReadonlySet<string> | undefined {
    return this.docNumbers.get(entity)?.get(docNumber);
  }

  put(entity: EntityName, doc: Doc, previous?: Doc): void {
    if (previous) this.unindex(entity, previous);
    const id = getString(doc, 'Id');
    if (id === undefined) throw new Error(`${entity} without Id`);
    this.table(entity).set(id, doc);
    this.index(entity, doc);
  }

  remove(entity: EntityName, doc: Doc, deletedAt: number): void {
    const id = getString(doc, 'Id');
    if (id === undefined) return;
    this.unindex(entity, doc);
    this.table(entity).delete(id);
    this.tombstones.get(entity)?.set(id, { deletedAt, doc });
  }

  private index(entity: EntityName, doc: Doc): void {
    const id = getString(doc, 'Id') ?? '';
    if (DISPLAY_NAME_ENTITIES.has(entity)) {
      const name = getString(doc, 'DisplayName');
      if (name !== undefined) this.displayNames.set(this.normalizeName(name), { entity, id });
    }
    if (UNIQUE_NAME_ENTITIES.has(entity)) {
      const name = getString(doc, 'FullyQualifiedName') ?? getString(doc, 'Name');
      if (name !== undefined) mapFor(this.uniqueNames, entity).set(this.normalizeName(name), id);
    }
    if (DOC_NUMBER_ENTITIES.has(entity)) {
      const docNumber = getString(doc, 'DocNumber');
      if (docNumber !== undefined) {
        const byNumber = mapFor(this.docNumbers, entity);
        const ids = byNumber.get(docNumber) ?? new Set<string>();
        ids.add(id);
        byNumber.set(docNumber, ids);
      }
    }
  }

  private unindex(entity: EntityName, doc: Doc): void {
    const id = getString(doc, 'Id') ?? '';
    if (DISPLAY_NAME_ENTITIES.has(entity)) {
      const name = getString(doc, 'DisplayName');
      if (name !== undefined) {
        const key = this.normalizeName(name);
        if (this.displayNames.get(key)?.id === id) this.displayNames.delete(key);
      }
    }
    if (UNIQUE_NAME_ENTITIES.has(entity)) {
      const name = getString(doc, 'FullyQualifiedName') ?? getString(doc, 'Name');
      if (name !== undefined) {
        const names = mapFor(this.uniqueNames, entity);
        const key = this.normalizeName(name);
        if (names.get(key) === id) names.delete(key);
      }
    }
    if (DOC_NUMBER_ENTITIES.has(entity)) {
      const docNumber = getString(doc, 'DocNumber');
      if (docNumber !== undefined) mapFor(this.docNumbers, entity).get(docNumber)?.delete(id);
    }
  }

  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [name, table] of this.tables) counts[name] = table.size;
    return counts;
  }
}

function mapFor<K, V>(outer: Map<EntityName, Map<K, V>>, entity: EntityName): Map<K, V> {
  let inner = outer.get(entity);
  if (!inner) {
    inner = new Map();
    outer.set(entity, inner);
  }
  return inner;
}
