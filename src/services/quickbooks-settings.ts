import type { ExistingInvoiceNumberAction, TaxDifferencePolicy } from '../models/customer.js';
import type { Models } from '../models/index.js';
import type { QuickBooksSide } from '../quickbooks/setup.js';
import type { AuditRecord } from './audit-log.js';
import type { ConnectionService } from './connections.js';
import { fromQuickBooksFailure, ReferenceDataError } from './reference-data/errors.js';

/** How a tenant's sync behaves. */
export interface QuickBooksSettings {
  autoSync: boolean;
  existingInvoiceNumber: ExistingInvoiceNumberAction;
  pullPayments: boolean;
  taxDifferences: TaxDifferencePolicy;
  defaultTermsId?: string;
}

/** A partial update: absent fields stay; `defaultTermsId: null` clears the default terms. */
export interface QuickBooksSettingsInput {
  autoSync?: boolean;
  existingInvoiceNumber?: ExistingInvoiceNumberAction;
  pullPayments?: boolean;
  taxDifferences?: TaxDifferencePolicy;
  defaultTermsId?: string | null;
}

/** As stored under `integrations.quickbooks.settings`: absent on tenants that never changed a setting. */
export interface StoredSettings {
  autoSync?: boolean | null;
  existingInvoiceNumber?: ExistingInvoiceNumberAction | null;
  pullPayments?: boolean | null;
  taxDifferences?: TaxDifferencePolicy | null;
  defaultTermsId?: string | null;
}

/** The model's defaults, for tenants whose document has no (or a partial) settings sub-document. */
export const DEFAULT_SETTINGS: QuickBooksSettings = {
  autoSync: true,
  existingInvoiceNumber: 'STOP',
  pullPayments: true,
  taxDifferences: 'OVERRIDE',
};

export function settingsOf(stored: StoredSettings | null | undefined): QuickBooksSettings {
  return {
    autoSync: stored?.autoSync ?? DEFAULT_SETTINGS.autoSync,
    existingInvoiceNumber: stored?.existingInvoiceNumber ?? DEFAULT_SETTINGS.existingInvoiceNumber,
    pullPayments: stored?.pullPayments ?? DEFAULT_SETTINGS.pullPayments,
    taxDifferences: stored?.taxDifferences ?? DEFAULT_SETTINGS.taxDifferences,
    ...(stored?.defaultTermsId ? { defaultTermsId: stored.defaultTermsId } : {}),
  };
}

export interface QuickBooksTerm {
  id: string;
  name: string;
}

/** The connected company's active payment terms, looked up one at a time. */
export interface TermLookup {
  /** undefined when the company has no active term with that id; ReferenceDataError when not connected. */
  findActive(tenantId: string, termId: string): Promise<QuickBooksTerm | undefined>;
}

/** A setting was refused; nothing was saved. `field` is the input path. */
export class SettingsValidationError extends Error {
  override readonly name = 'SettingsValidationError';
  readonly retryable = false;

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Intuit's entity Ids are decimal strings; anything else cannot name a term (and must not reach a query). */
const QUICKBOOKS_ID = /^\d{1,20}$/;
const S = 'integrations.quickbooks.settings';

export interface QuickBooksSettingsServiceDeps {
  models: Pick<Models, 'customers'>;
  terms: TermLookup;
  auditLog: { record(entry: AuditRecord): Promise<void> };
  /**
   * Told when "pull payments" is turned on, after it is saved: the API asks for a sweep at once, so what
   * was paid while it was off is caught up from CDC without waiting for the next scheduled sweep. A failure
   * here is logged by the caller's hook, not the admin's problem: the scheduled sweep catches up anyway.
   */
  onPullPaymentsEnabled?: (tenantId: string) => Promise<void>;
}

/**
 * An admin's sync settings for a tenant: stored beside (not inside) the connection's own fields, so they
 * outlive a disconnect and a reconnect; read through `Customer.quickbooksConnection.settings`.
 */
export class QuickBooksSettingsService {
  constructor(private readonly deps: QuickBooksSettingsServiceDeps) {}

  async get(tenantId: string): Promise<QuickBooksSettings> {
    const doc = await this.deps.models.customers
      .findById(tenantId, { [S]: 1 })
      .lean<{ integrations?: { quickbooks?: { settings?: StoredSettings | null } | null } | null }>();
    return settingsOf(doc?.integrations?.quickbooks?.settings);
  }

  /**
   * Applies the fields given; a default terms id must name an active Term of the connected company (so a
   * default terms can only be chosen while a company is connected). Writes and audits only what changed.
   */
  async update(
    tenantId: string,
    userId: string,
    input: QuickBooksSettingsInput,
  ): Promise<QuickBooksSettings> {
    const current = await this.get(tenantId);
    const set: Record<string, unknown> = {};
    const unset: Record<string, ''> = {};
    const changes: string[] = [];
    for (const key of ['autoSync', 'existingInvoiceNumber', 'pullPayments', 'taxDifferences'] as const) {
      const value = input[key];
      if (value === undefined || value === current[key]) continue;
      set[`${S}.${key}`] = value;
      changes.push(`${key}: ${String(current[key])} → ${String(value)}`);
    }
    if (
      input.defaultTermsId !== undefined &&
      (input.defaultTermsId ?? undefined) !== current.defaultTermsId
    ) {
      const was = current.defaultTermsId ?? '(none)';
      if (input.defaultTermsId === null) {
        unset[`${S}.defaultTermsId`] = '';
        changes.push(`defaultTermsId: ${was} → (none)`);
      } else {
        const term = await this.activeTerm(tenantId, input.defaultTermsId);
        set[`${S}.defaultTermsId`] = term.id;
        changes.push(`defaultTermsId: ${was} → ${term.id} (${term.name})`);
      }
    }
    if (changes.length === 0) return current;
    await this.deps.models.customers.updateOne(
      { _id: tenantId },
      {
        ...(Object.keys(set).length > 0 ? { $set: set } : {}),
        ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
      },
      { upsert: true },
    );
    await this.deps.auditLog.record({
      tenantId,
      actorUserId: userId,
      action: 'QUICKBOOKS_SETTINGS_CHANGED',
      outcome: 'SUCCEEDED',
      reason: changes.join('; '),
    });
    if (input.pullPayments === true && !current.pullPayments)
      await this.deps.onPullPaymentsEnabled?.(tenantId);
    return this.get(tenantId);
  }

  private async activeTerm(tenantId: string, termId: string): Promise<QuickBooksTerm> {
    const field = 'input.defaultTermsId';
    if (!QUICKBOOKS_ID.test(termId)) {
      throw new SettingsValidationError(field, 'defaultTermsId must be a QuickBooks Term Id (digits)');
    }
    const term = await this.deps.terms.findActive(tenantId, termId);
    if (!term) {
      throw new SettingsValidationError(field, `QuickBooks has no active payment term with id ${termId}`);
    }
    return term;
  }
}

/**
 * Terms read from the company on demand. The panel offers the cached list (`quickbooksTerms`, as of its
 * last read), but the choice is checked here against QuickBooks itself, not that cache: choosing default
 * terms is rare (one request), and the cached list would accept a term made inactive or deleted since the
 * last refresh, which every later invoice would then carry. Name lists answer active rows only unless
 * `Active` is in the WHERE clause, which is what this wants.
 */
export function createTermLookup(deps: {
  connections: Pick<ConnectionService, 'getMany'>;
  quickbooks: Pick<QuickBooksSide, 'clientFor'>;
}): TermLookup {
  return {
    async findActive(tenantId, termId) {
      if (!QUICKBOOKS_ID.test(termId)) return undefined;
      const [view] = await deps.connections.getMany([tenantId]);
      if (view?.status !== 'CONNECTED' || !view.realmId) {
        throw new ReferenceDataError(
          view?.status === 'DISCONNECTED' || !view?.realmId ? 'not_connected' : 'reauth_required',
          view?.status === 'DISCONNECTED' || !view?.realmId
            ? 'No QuickBooks company is connected to this customer; connect one before choosing default terms'
            : (view.reason ?? 'QuickBooks no longer accepts this connection; an admin must reconnect'),
        );
      }
      try {
        const page = await deps.quickbooks
          .clientFor(tenantId, view.realmId)
          .queryPage<{ Id: string; Name?: unknown }>(`SELECT * FROM Term WHERE Id = '${termId}'`, {
            maxResults: 1,
          });
        const row = page.rows[0];
        return row ? { id: row.Id, name: typeof row.Name === 'string' ? row.Name : row.Id } : undefined;
      } catch (error) {
        throw fromQuickBooksFailure(error);
      }
    },
  };
}
