import type { Logger } from '../../logger.js';
import type { Models } from '../../models/index.js';
import type { QuickBooksSide } from '../../quickbooks/setup.js';
import { connectionView, type StoredIntegration } from '../connections.js';
import { fromQuickBooksFailure, isReferenceDataError, ReferenceDataError } from './errors.js';
import { readReferenceSnapshot } from './reader.js';
import type {
  QuickBooksAccountRef,
  QuickBooksClassRef,
  QuickBooksCompanyFacts,
  QuickBooksItemRef,
  QuickBooksTaxCodeRef,
  QuickBooksTermRef,
  ReferenceData,
  ReferenceSnapshot,
} from './types.js';
import { astStateOf } from './types.js';

export interface ReferenceDataServiceDeps {
  models: Pick<Models, 'customers' | 'referenceCache'>;
  quickbooks: Pick<QuickBooksSide, 'clientFor'>;
  now: () => Date;
  logger: Logger;
  /** Rows per QuickBooks query page; Intuit's maximum (1000) by default. */
  pageSize?: number;
}

/**
 * The cache document as stored (src/models/reference-cache.ts); only this service writes it. `terms` is
 * absent on documents written before payment terms were read (see `get`).
 */
interface CachedSnapshot {
  _id: string;
  asOf: Date;
  facts: QuickBooksCompanyFacts;
  accounts: QuickBooksAccountRef[];
  items: QuickBooksItemRef[];
  taxCodes: QuickBooksTaxCodeRef[];
  classes: QuickBooksClassRef[];
  terms?: QuickBooksTermRef[] | null;
}

/** MongoDB's duplicate key error: here, a newer snapshot is stored already (see store). */
const DUPLICATE_KEY = 11000;

/**
 * A tenant's QuickBooks reference data, cached per realm in MongoDB because every read counts against
 * Intuit's per-realm limits: `get` is one cache read (plus the tenant's connection) and calls QuickBooks
 * only when nothing is cached; `refresh` reads the company again and replaces the cache.
 *
 * Concurrent loads of one realm within this process share one read (an in-process promise per realm):
 * the panel's lists ask at once on a first visit, and one read serves them all. Across API processes
 * two first loads may both read; the cache write keeps the newer `asOf`, so the result is the same.
 */
export class ReferenceDataService implements ReferenceData {
  private readonly loading = new Map<string, Promise<ReferenceSnapshot>>();

  constructor(private readonly deps: ReferenceDataServiceDeps) {}

  /**
   * A document cached before terms were read is stale, not "no terms": a company always has some, and an
   * empty list would leave the default-terms picker empty until an admin thought to refresh. It is read
   * again once (what a first visit costs); if QuickBooks cannot answer that read, the old copy is served
   * with no terms, as it would have been served before, rather than failing every list (and the next view
   * tries again, as a view with nothing cached does). Only documents written before this field existed.
   */
  async get(tenantId: string): Promise<ReferenceSnapshot> {
    const realmId = await this.connectedRealm(tenantId);
    const cached = await this.deps.models.referenceCache.findById(realmId).lean<CachedSnapshot>();
    if (!cached) return this.load(tenantId, realmId);
    if (Array.isArray(cached.terms)) return snapshotOf(cached, cached.terms);
    try {
      return await this.load(tenantId, realmId);
    } catch (error) {
      if (!isReferenceDataError(error)) throw error;
      this.deps.logger.warn(
        { tenantId, realmId, failure: error.failure },
        'cached QuickBooks reference data has no terms and could not be read again; serving it without terms',
      );
      return snapshotOf(cached, []);
    }
  }

  async refresh(tenantId: string): Promise<ReferenceSnapshot> {
    return this.load(tenantId, await this.connectedRealm(tenantId));
  }

  /**
   * The realm of a tenant whose connection can be used now. The same view the connection status shows, so a
   * lapsed refresh token reads as "reconnect" here too rather than failing at Intuit.
   */
  private async connectedRealm(tenantId: string): Promise<string> {
    const customer = await this.deps.models.customers
      .findById(tenantId, {
        'integrations.quickbooks.state': 1,
        'integrations.quickbooks.stateReason': 1,
        'integrations.quickbooks.realmId': 1,
        'integrations.quickbooks.refreshTokenExpiresAt': 1,
        'integrations.quickbooks.refreshTokenHardExpiresAt': 1,
      })
      .lean<{ integrations?: { quickbooks?: StoredIntegration | null } | null }>();
    const view = connectionView(tenantId, customer?.integrations?.quickbooks ?? undefined, this.deps.now());
    if (view.status === 'CONNECTED' && view.realmId) return view.realmId;
    if (view.status === 'DISCONNECTED') {
      throw new ReferenceDataError(
        'not_connected',
        'No QuickBooks company is connected to this customer; an admin must connect one first',
      );
    }
    // NEEDS_REAUTH, and ERROR (QuickBooks refuses this company's calls: wrong company or missing scope).
    throw new ReferenceDataError(
      'reauth_required',
      view.reason ?? 'QuickBooks no longer accepts this connection; an admin must reconnect',
    );
  }

  private load(tenantId: string, realmId: string): Promise<ReferenceSnapshot> {
    const pending = this.loading.get(realmId);
    if (pending) return pending;
    const load = this.readAndStore(tenantId, realmId).finally(() => this.loading.delete(realmId));
    this.loading.set(realmId, load);
    return load;
  }

  private async readAndStore(tenantId: string, realmId: string): Promise<ReferenceSnapshot> {
    const { quickbooks, pageSize, now, logger } = this.deps;
    let snapshot: ReferenceSnapshot;
    try {
      snapshot = await readReferenceSnapshot(quickbooks.clientFor(tenantId, realmId), {
        pageSize,
        now,
        logger,
      });
    } catch (error) {
      throw fromQuickBooksFailure(error);
    }
    await this.noteTaxSetupChange(tenantId, snapshot);
    await this.store(tenantId, snapshot);
    logger.info(
      {
        tenantId,
        realmId,
        accounts: snapshot.accounts.length,
        items: snapshot.items.length,
        taxCodes: snapshot.taxCodes.length,
        classes: snapshot.classes.length,
        terms: snapshot.terms.length,
      },
      'QuickBooks reference data read',
    );
    return snapshot;
  }

  /**
   * Automated sales tax turned on or off (or set up) since the last read changes what QuickBooks does with
   * the tax we send: the change is kept on the facts, where the panel warns the admins, until the next one.
   * The first read of a company has nothing to compare with.
   */
  private async noteTaxSetupChange(tenantId: string, snapshot: ReferenceSnapshot): Promise<void> {
    const previous = await this.deps.models.referenceCache
      .findById(snapshot.realmId, { facts: 1 })
      .lean<Pick<CachedSnapshot, 'facts'>>();
    if (!previous) return;
    const from = astStateOf(previous.facts);
    const to = astStateOf(snapshot.facts);
    if (from === to) {
      if (previous.facts.taxSetupChange) snapshot.facts.taxSetupChange = previous.facts.taxSetupChange;
      return;
    }
    snapshot.facts.taxSetupChange = { from, to, seenAt: snapshot.asOf };
    this.deps.logger.warn(
      { tenantId, realmId: snapshot.realmId, from, to },
      "the QuickBooks company's automated sales tax changed",
    );
  }

  /**
   * Replaces the cached snapshot unless a newer one is stored (another process's refresh that finished
   * first): the filter matches only an older `asOf`, and when a newer document exists the upsert's insert
   * collides on `_id`, which means exactly that and is not an error.
   */
  private async store(tenantId: string, snapshot: ReferenceSnapshot): Promise<void> {
    const { realmId, asOf, facts, accounts, items, taxCodes, classes, terms } = snapshot;
    try {
      await this.deps.models.referenceCache.updateOne(
        { _id: realmId, asOf: { $lt: asOf } },
        { $set: { tenantId, asOf, facts, accounts, items, taxCodes, classes, terms } },
        { upsert: true },
      );
    } catch (error) {
      if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
    }
  }
}

function snapshotOf(cached: CachedSnapshot, terms: QuickBooksTermRef[]): ReferenceSnapshot {
  return {
    realmId: cached._id,
    asOf: cached.asOf,
    facts: cached.facts,
    accounts: cached.accounts,
    items: cached.items,
    taxCodes: cached.taxCodes,
    classes: cached.classes,
    terms,
  };
}
