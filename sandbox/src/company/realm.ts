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
  'CreditMemo',
  'Deposit',
] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

/** DisplayName is unique across Customer, Vendor and Employee together (6240, §6.2). */
export const DISPLAY_NAME_ENTITIES: ReadonlySet<EntityName> = new Set(['Customer', 'Vendor', 'Employee']);
/** Name-list entities whose Name (FullyQualifiedName) is unique within the entity. */
export const UNIQUE_NAME_ENTITIES: ReadonlySet<EntityName> = new Set(['Item', 'Account', 'Class']);
export const DOC_NUMBER_ENTITIES: ReadonlySet<EntityName> = new Set(['Invoice', 'CreditMemo']);
export const TRANSACTION_ENTITIES: ReadonlySet<EntityName> = new Set([
  'Invoice',
  'Payment',
  'CreditMemo',
  'Deposit',
]);

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
  /** US automated sales tax: Preferences.TaxPrefs.PartnerTaxEnabled true (company/ast-rates.ts). */
  automatedSalesTax?: boolean;
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
  /**
   * Exact instant (ms) of each record's last change. MetaData.LastUpdatedTime is rendered in whole seconds,
   * as Intuit does; CDC compares `changedSince` with this instant instead (api/cdc.ts).
   */
  private readonly changeInstants = new Map<EntityName, Map<string, number>>();
  private readonly sequences = new Map<string, number>();
  /** Arrays, not single holders: a batch may create two records with one name (see batchCreated). */
  private readonly displayNames = new Map<string, { entity: EntityName; id: string }[]>();
  private readonly uniqueNames = new Map<EntityName, Map<string, string[]>>();
  private readonly docNumbers = new Map<EntityName, Map<string, Set<string>>>();
  /** Lower-cased Customer.PrimaryEmailAddr.Address -> ids: the sync engine matches customers by e-mail. */
  private readonly customerEmails = new Map<string, Set<string>>();
  /** invoiceId -> paymentId -> amount applied, so Balance is recomputed without scanning payments. */
  readonly paymentLinks = new Map<string, Map<string, number>>();
  /** creditMemoId -> paymentId -> credit the payment applies, for CreditMemo.Balance / RemainingCredit. */
  readonly creditLinks = new Map<string, Map<string, number>>();
  /** paymentId -> id of the Deposit that took it out of Undeposited Funds (6540 while set). */
  readonly depositLinks = new Map<string, string>();
  private lastDocNumber = 1000;
  /** Apps that completed OAuth for this company: webhooks go only to them (§7.1). */
  readonly connectedApps = new Set<string>();
  /** Apps whose connecting user lost access: API calls answer 401/120 (§5.3c). */
  readonly lostAccessApps = new Set<string>();
  /** Sandbox e-mail budget (40 a day per company, §4.1). */
  emailDay = '';
  emailsSent = 0;
  /**
   * `entity\u0000id` of records created by the other items of the batch now running: invisible to reads,
   * references and the 6240/6140 checks, because "a given object cannot depend on another one within the
   * same batch operation" (Intuit's batch reference, §3.5). null outside a batch.
   */
  batchCreated: Set<string> | null = null;

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
    if (this.batchCreated?.has(`${entity}\u0000${id}`)) return undefined;
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

  /** Every visible holder of a DisplayName: normally one, two after a batch created twins. */
  holdersOfDisplayName(name: string): { entity: EntityName; id: string }[] {
    const holders = this.displayNames.get(this.normalizeName(name)) ?? [];
    return holders.filter((h) => !this.batchCreated?.has(`${h.entity}\u0000${h.id}`));
  }

  /** Every visible Item / Account / Class with this (fully qualified) name. */
  holdersOfUniqueName(entity: EntityName, name: string): string[] {
    const ids = this.uniqueNames.get(entity)?.get(this.normalizeName(name)) ?? [];
    return ids.filter((id) => !this.batchCreated?.has(`${entity}\u0000${id}`));
  }

  findByDocNumber(entity: EntityName, docNumber: string): ReadonlySet<string> | undefined {
    const ids = this.docNumbers.get(entity)?.get(docNumber);
    const hidden = this.batchCreated;
    if (!ids || !hidden) return ids;
    return new Set([...ids].filter((id) => !hidden.has(`${entity}\u0000${id}`)));
  }

  findCustomersByEmail(address: string): string[] {
    const ids = [...(this.customerEmails.get(address.toLowerCase()) ?? [])];
    return ids.filter((id) => !this.batchCreated?.has(`Customer\u0000${id}`));
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

  noteChange(entity: EntityName, id: string, at: number): void {
    mapFor(this.changeInstants, entity).set(id, at);
  }

  changedAt(entity: EntityName, id: string): number | undefined {
    return this.changeInstants.get(entity)?.get(id);
  }

  private index(entity: EntityName, doc: Doc): void {
    const id = getString(doc, 'Id') ?? '';
    if (DISPLAY_NAME_ENTITIES.has(entity)) {
      const name = getString(doc, 'DisplayName');
      if (name !== undefined) addHolder(this.displayNames, this.normalizeName(name), { entity, id });
    }
    if (UNIQUE_NAME_ENTITIES.has(entity)) {
      const name = getString(doc, 'FullyQualifiedName') ?? getString(doc, 'Name');
      if (name !== undefined) addHolder(mapFor(this.uniqueNames, entity), this.normalizeName(name), id);
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
    const email = entity === 'Customer' ? customerEmail(doc) : undefined;
    if (email !== undefined)
      this.customerEmails.set(email, (this.customerEmails.get(email) ?? new Set()).add(id));
  }

  private unindex(entity: EntityName, doc: Doc): void {
    const id = getString(doc, 'Id') ?? '';
    if (DISPLAY_NAME_ENTITIES.has(entity)) {
      const name = getString(doc, 'DisplayName');
      if (name !== undefined) {
        // Customer 5 and Vendor 5 may both exist: the DisplayName index spans three entities.
        dropHolder(this.displayNames, this.normalizeName(name), (h) => h.entity === entity && h.id === id);
      }
    }
    if (UNIQUE_NAME_ENTITIES.has(entity)) {
      const name = getString(doc, 'FullyQualifiedName') ?? getString(doc, 'Name');
      if (name !== undefined)
        dropHolder(mapFor(this.uniqueNames, entity), this.normalizeName(name), (h) => h === id);
    }
    if (DOC_NUMBER_ENTITIES.has(entity)) {
      const docNumber = getString(doc, 'DocNumber');
      if (docNumber !== undefined) mapFor(this.docNumbers, entity).get(docNumber)?.delete(id);
    }
    const email = entity === 'Customer' ? customerEmail(doc) : undefined;
    if (email !== undefined) this.customerEmails.get(email)?.delete(id);
  }

  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [name, table] of this.tables) counts[name] = table.size;
    return counts;
  }
}

function customerEmail(doc: Doc): string | undefined {
  const holder = doc.PrimaryEmailAddr;
  const address = typeof holder === 'object' && holder !== null ? (holder as Doc).Address : undefined;
  return typeof address === 'string' ? address.toLowerCase() : undefined;
}

function mapFor<K, V>(outer: Map<EntityName, Map<K, V>>, entity: EntityName): Map<K, V> {
  let inner = outer.get(entity);
  if (!inner) {
    inner = new Map();
    outer.set(entity, inner);
  }
  return inner;
}

function addHolder<T>(index: Map<string, T[]>, key: string, holder: T): void {
  const holders = index.get(key);
  if (holders) holders.push(holder);
  else index.set(key, [holder]);
}

function dropHolder<T>(index: Map<string, T[]>, key: string, match: (holder: T) => boolean): void {
  const holders = index.get(key)?.filter((holder) => !match(holder));
  if (holders?.length) index.set(key, holders);
  else index.delete(key);
}
