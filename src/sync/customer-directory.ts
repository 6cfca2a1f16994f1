import type { Logger } from '../logger.js';
import { CDC_MAX_OBJECTS, type QuickBooksClient } from '../quickbooks/client.js';
import { isQuickBooksError } from '../quickbooks/errors.js';
import { emailOf, normaliseName, type CustomerCandidate } from './customer-identity.js';

/** How long a directory refreshed by CDC is trusted before a "no match → create" decision. */
export const DEFAULT_CUSTOMER_DIRECTORY_FRESH_MS = 5_000;
/**
 * CDC "can track changes within the last 30 days" (§3.6); a checkpoint older than that is refused (or, if
 * Intuit clamps, silently loses changes), so a day short of it the directory is reloaded instead.
 */
const CDC_LOOKBACK_MS = 29 * 86_400_000;
/** The answer's `time` minus this is the next changedSince: a change stamped in the same instant is re-read. */
const CDC_OVERLAP_MS = 2_000;
/**
 * A full load has no server `time` (the query answer's is not exposed), so its checkpoint is our clock, moved
 * by the server offset the last CDC answer showed, minus this margin for the skew we have not measured yet.
 */
const LOAD_SKEW_MARGIN_MS = 5 * 60_000;
/** A company too large to hold is queried as before; it is measured again after this long. */
const OVERSIZE_RETRY_MS = 60 * 60_000;
const LOAD_QUERY = 'SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id';

export type DirectoryClient = Pick<QuickBooksClient, 'query' | 'changeDataCapture'>;

export interface CustomerDirectoryOptions {
  /** A refresh at most this old is trusted (QUICKBOOKS_CUSTOMER_DIRECTORY_FRESH_MS). */
  freshForMs?: number;
  /** Companies held at once, least recently used evicted first. */
  maxRealms?: number;
  /** A company with more customers than this is not held: its callers query QuickBooks as before. */
  maxCustomersPerRealm?: number;
  /** Customers held over all companies; least recently used companies are dropped beyond it. */
  maxCustomers?: number;
  /** Intuit's cap on a CDC answer (§3.6); an answer this full may be cut short. Match the emulator's `cdc.maxObjects`. */
  cdcMaxObjects?: number;
  now?: () => Date;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** One customer as matching needs it. */
export interface DirectoryEntry extends CustomerCandidate {
  Id: string;
  DisplayName: string;
  Active: boolean;
  normalisedName: string;
  email: string | undefined;
  syncToken: number;
}

/** The customers of one company, indexed by normalised DisplayName and e-mail. */
export class RealmCustomers {
  private readonly byId = new Map<string, DirectoryEntry>();
  private readonly byName = new Map<string, Set<string>>();
  private readonly byEmail = new Map<string, Set<string>>();

  get size(): number {
    return this.byId.size;
  }

  /** Customers holding the DisplayName once normalised, inactive ones included, oldest Id first. */
  named(displayName: string): DirectoryEntry[] {
    return this.entries(this.byName.get(normaliseName(displayName)));
  }

  /** Customers whose PrimaryEmailAddr is the (normalised) e-mail, inactive ones included, oldest Id first. */
  withEmail(email: string): DirectoryEntry[] {
    return this.entries(this.byEmail.get(email));
  }

  /** Takes a row from a query, a CDC answer or a create; an older version than the one held is ignored. */
  upsert(row: CustomerCandidate & { SyncToken?: unknown }): void {
    const entry = entryOf(row);
    if (!entry) return;
    const held = this.byId.get(entry.Id);
    if (held && held.syncToken > entry.syncToken) return;
    if (held) this.remove(held.Id);
    this.byId.set(entry.Id, entry);
    addTo(this.byName, entry.normalisedName, entry.Id);
    if (entry.email) addTo(this.byEmail, entry.email, entry.Id);
  }

  remove(id: string): void {
    const held = this.byId.get(id);
    if (!held) return;
    this.byId.delete(id);
    removeFrom(this.byName, held.normalisedName, id);
    if (held.email) removeFrom(this.byEmail, held.email, id);
  }

  private entries(ids: Set<string> | undefined): DirectoryEntry[] {
    if (!ids) return [];
    return [...ids]
      .map((id) => this.byId.get(id)!)
      .sort((a, b) => Number(a.Id) - Number(b.Id) || a.Id.localeCompare(b.Id));
  }
}

interface RealmState {
  customers?: RealmCustomers;
  /** The company had more customers than the bound when last measured (local ms). */
  oversizeAt?: number;
  /** The next CDC changedSince (server time). */
  checkpoint?: number;
  /** Local ms when the last load or refresh that succeeded started. */
  refreshedAt: number;
  /** Server time minus local time, as the last CDC answer showed it. */
  serverOffsetMs: number;
  inflight?: Promise<void>;
}

/**
 * The customers of each company this process pushes to, so matching a bill-to is done in memory instead of
 * with an e-mail and a DisplayName query per first push. Loaded with paged queries (inactive customers
 * included: their names still block a DisplayName, 6240) and kept current with CDC; a caller about to decide
 * "no match, create" gets a directory refreshed at most `freshForMs` ago, so a burst of first pushes to one
 * company shares one CDC call per window, and concurrent callers share one load or refresh.
 *
 * Held in process memory, per (tenant, realm) so no tenant is ever answered from another's reads, bounded
 * by `maxRealms` and `maxCustomers` over all companies (least recently used dropped first; about 750 bytes
 * of heap an entry, measured, so the default 150,000 is about 110 MB); a company above
 * `maxCustomersPerRealm` is not held and is matched by queries as before. Not in MongoDB: every process has to ask QuickBooks for changes anyway before a create (another
 * process's or a person's), so a shared copy would save only the first load per process and cost a database
 * round trip and a large document per push. A restart costs one load per company (one call per 1,000
 * customers).
 *
 * Correctness never rests on it being complete: vendors and employees are not in it, and a change made in
 * the window is not seen; QuickBooks' 6240 and the caller's look-ups stay the guard.
 */
export class CustomerDirectory {
  private readonly realms = new Map<string, RealmState>();
  private readonly freshForMs: number;
  private readonly maxRealms: number;
  private readonly maxCustomersPerRealm: number;
  private readonly maxCustomers: number;
  private readonly cdcMaxObjects: number;
  private readonly now: () => Date;

  constructor(private readonly options: CustomerDirectoryOptions = {}) {
    this.freshForMs = options.freshForMs ?? DEFAULT_CUSTOMER_DIRECTORY_FRESH_MS;
    this.maxRealms = options.maxRealms ?? 500;
    this.maxCustomers = options.maxCustomers ?? 150_000;
    this.maxCustomersPerRealm = Math.min(options.maxCustomersPerRealm ?? 100_000, this.maxCustomers);
    this.cdcMaxObjects = options.cdcMaxObjects ?? CDC_MAX_OBJECTS;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * The company's customers, refreshed at most `freshForMs` ago; undefined when the company is too large to
   * hold (the caller queries QuickBooks instead). QuickBooks failures pass through as QuickBooksError.
   */
  async fresh(
    tenantId: string,
    realmId: string,
    client: DirectoryClient,
  ): Promise<RealmCustomers | undefined> {
    const state = this.stateFor(tenantId, realmId);
    if (state.inflight) {
      // A load or refresh under way started within the window: its answer is fresh enough.
      await state.inflight;
      return state.customers;
    }
    const age = this.now().getTime() - state.refreshedAt;
    if (state.customers && age <= this.freshForMs) return state.customers;
    if (
      !state.customers &&
      state.oversizeAt !== undefined &&
      this.now().getTime() - state.oversizeAt < OVERSIZE_RETRY_MS
    ) {
      return undefined;
    }
    const flight = this.refresh(state, realmId, client).finally(() => {
      if (state.inflight === flight) state.inflight = undefined;
    });
    state.inflight = flight;
    await flight;
    this.enforceBounds(state);
    return state.customers;
  }

  /** A customer this process created or read: known at once, not after the next CDC. */
  remember(tenantId: string, realmId: string, customer: CustomerCandidate): void {
    this.realms.get(keyOf(tenantId, realmId))?.customers?.upsert(customer);
  }

  private stateFor(tenantId: string, realmId: string): RealmState {
    const key = keyOf(tenantId, realmId);
    let state = this.realms.get(key);
    if (state) {
      this.realms.delete(key);
    } else {
      state = { refreshedAt: Number.NEGATIVE_INFINITY, serverOffsetMs: 0 };
    }
    this.realms.set(key, state);
    this.enforceBounds(state);
    return state;
  }

  /** Drops least recently used companies (never `keep`) until both bounds hold. */
  private enforceBounds(keep: RealmState): void {
    let held = 0;
    for (const state of this.realms.values()) held += state.customers?.size ?? 0;
    for (const [key, state] of this.realms) {
      if (this.realms.size <= this.maxRealms && held <= this.maxCustomers) return;
      if (state === keep) continue;
      held -= state.customers?.size ?? 0;
      this.realms.delete(key);
    }
  }

  private async refresh(state: RealmState, realmId: string, client: DirectoryClient): Promise<void> {
    const started = this.now().getTime();
    const since = state.checkpoint;
    if (!state.customers || since === undefined || started + state.serverOffsetMs - since > CDC_LOOKBACK_MS) {
      return this.load(state, realmId, client, started);
    }
    let answer: Awaited<ReturnType<DirectoryClient['changeDataCapture']>>;
    try {
      answer = await client.changeDataCapture(['Customer'], new Date(since));
    } catch (error) {
      // Past the lookback (the emulator's Detail "older than fixed days"), or a changedSince refused:
      // what was missed is unknown, so everything is read again.
      if (!isQuickBooksError(error, 'validation')) throw error;
      this.options.logger?.warn(
        { realmId, code: error.code },
        'customer CDC refused; reloading the directory',
      );
      return this.load(state, realmId, client, started);
    }
    const answeredAt = answer.time === undefined ? Number.NaN : Date.parse(answer.time);
    if (Number.isFinite(answeredAt)) state.serverOffsetMs = answeredAt - this.now().getTime();
    if (answer.possiblyTruncated || answer.objectCount >= this.cdcMaxObjects) {
      this.options.logger?.info(
        { realmId, objects: answer.objectCount },
        'customer CDC may be cut short; reloading',
      );
      return this.load(state, realmId, client, started);
    }
    if (Number.isFinite(answeredAt) && answeredAt < since) {
      // The checkpoint from our clock was in QuickBooks' future: changes since the load may be missing.
      this.options.logger?.warn(
        { realmId },
        'QuickBooks clock behind ours; reloading the customer directory',
      );
      return this.load(state, realmId, client, started);
    }
    for (const row of answer.changes.Customer ?? []) {
      if (row.status === 'Deleted') state.customers.remove(row.Id);
      else state.customers.upsert(row);
    }
    state.checkpoint =
      (Number.isFinite(answeredAt) ? answeredAt : started + state.serverOffsetMs) - CDC_OVERLAP_MS;
    state.refreshedAt = started;
  }

  private async load(
    state: RealmState,
    realmId: string,
    client: DirectoryClient,
    started: number,
  ): Promise<void> {
    const customers = new RealmCustomers();
    for await (const row of client.query<CustomerCandidate & Record<string, unknown>>(LOAD_QUERY)) {
      customers.upsert(row);
      if (customers.size > this.maxCustomersPerRealm) {
        this.options.logger?.info(
          { realmId, bound: this.maxCustomersPerRealm },
          'company has too many customers to hold; matching by query',
        );
        state.customers = undefined;
        state.checkpoint = undefined;
        state.oversizeAt = started;
        return;
      }
    }
    state.customers = customers;
    state.oversizeAt = undefined;
    state.checkpoint = started + state.serverOffsetMs - LOAD_SKEW_MARGIN_MS;
    state.refreshedAt = started;
  }
}

function keyOf(tenantId: string, realmId: string): string {
  return `${tenantId}\u0000${realmId}`;
}

function entryOf(row: CustomerCandidate & { SyncToken?: unknown }): DirectoryEntry | undefined {
  if (typeof row.Id !== 'string' || typeof row.DisplayName !== 'string') return undefined;
  const syncToken = Number(row.SyncToken);
  return {
    Id: row.Id,
    DisplayName: row.DisplayName,
    PrimaryEmailAddr: row.PrimaryEmailAddr,
    Active: row.Active !== false,
    normalisedName: normaliseName(row.DisplayName),
    email: emailOf(row),
    syncToken: Number.isFinite(syncToken) ? syncToken : 0,
  };
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids) ids.add(id);
  else index.set(key, new Set([id]));
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}
