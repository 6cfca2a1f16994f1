import type { Clock } from '../clock.js';
import type { EntityName, Realm } from '../company/realm.js';
import { Faults } from '../errors.js';
import type { SandboxSettings } from '../settings.js';
import type { Doc } from '../util/json.js';
import { getArray, getDoc, getNumber, getString, isDoc } from '../util/json.js';
import { formatQboDate, formatQboTime } from '../util/time.js';
import type { ChangedEntity, EntityDefinition, WriteOptions } from './entities/context.js';
import { EntityContext, checkEmail, touch } from './entities/context.js';
import { runQuery } from './query-exec.js';
import type { ReportQuery } from './reports/index.js';
import { runReport } from './reports/index.js';

export type ChangeOperation = 'Create' | 'Update' | 'Delete' | 'Void' | 'Emailed';

export interface ChangeEvent {
  realmId: string;
  entity: EntityName;
  id: string;
  operation: ChangeOperation;
  at: number;
}

/** Server-managed fields a client may echo back but never sets. */
const MANAGED_FIELDS = ['Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'status'];

/**
 * Create / read / update / delete / void / query for one company, shared by the REST routes and batch.
 * Throws QboFault; the caller renders it in the right envelope.
 */
export class AccountingService {
  constructor(
    private readonly clock: Clock,
    private readonly settings: () => SandboxSettings,
    private readonly emit: (event: ChangeEvent) => void,
  ) {}

  /** Stamps the record's exact change instant on the realm (CDC compares with it), then notifies. */
  private changed(realm: Realm, event: ChangeEvent): void {
    realm.noteChange(event.entity, event.id, event.at);
    this.emit(event);
  }

  private context(
    realm: Realm,
    options: WriteOptions,
    settings: SandboxSettings = this.settings(),
  ): EntityContext {
    const now = this.clock.now();
    return new EntityContext(realm, settings, now, formatQboDate(now, realm.offsetMinutes), options);
  }

  /**
   * What differs when a person works in the QuickBooks UI rather than through the API: voiding an invoice
   * with a payment "leaves the money as unapplied credit" (settings.ts, `api.voidInvoiceWithPayments`), and
   * deleting one is taken to do the same ([INF], UNCONFIRMED); the API's own choices stay settings.
   */
  private uiSettings(): SandboxSettings {
    const settings = structuredClone(this.settings());
    settings.api.voidInvoiceWithPayments = 'unapply';
    settings.api.deleteLinkedTransaction = 'unapply';
    return settings;
  }

  read(realm: Realm, definition: EntityDefinition, id: string): Doc {
    if (definition.kind === 'singleton') {
      // CompanyInfo is read as /companyinfo/{realmId}; there is one record per company.
      const only = realm.table(definition.name).values().next().value;
      if (!only) throw Faults.deletedTransaction(this.settings().api.notFoundStatus);
      return only;
    }
    const doc = realm.get(definition.name, id);
    // A missing entity answers 610 Object Not Found; the exact payload is UNCONFIRMED (§5.5).
    if (!doc) throw notFound(definition, this.settings().api.notFoundStatus);
    return doc;
  }

  create(realm: Realm, definition: EntityDefinition, body: Doc, options: WriteOptions): Doc {
    if (!definition.build || definition.kind === 'readonly' || definition.kind === 'singleton') {
      throw Faults.unsupportedOperation(`Operation Create is not supported for ${definition.name}.`);
    }
    const ctx = this.context(realm, options);
    const built = definition.build(ctx, stripManaged(body), undefined);
    const stamp = formatQboTime(ctx.now, realm.offsetMinutes, false);
    const doc: Doc = {
      ...built,
      Id: realm.nextId(definition.name),
      SyncToken: '0',
      domain: 'QBO',
      sparse: false,
      MetaData: { CreateTime: stamp, LastUpdatedTime: stamp },
    };
    realm.put(definition.name, doc);
    this.afterWrite(ctx, definition, undefined, doc, 'Create');
    return doc;
  }

  update(realm: Realm, definition: EntityDefinition, body: Doc, options: WriteOptions): Doc {
    if (!definition.build || definition.kind === 'readonly') {
      throw Faults.unsupportedOperation(`Operation Update is not supported for ${definition.name}.`);
    }
    const existing = this.lockForWrite(realm, definition, body);
    const ctx = this.context(realm, options);
    const changes = stripManaged(body);
    // Sparse: only the supplied elements change (Line is all-or-nothing, so it is replaced whole).
    // Full: writable fields left out are cleared (§3.3).
    const merged =
      body.sparse === true || body.sparse === 'true' ? { ...stripManaged(existing), ...changes } : changes;
    if (definition.kind === 'singleton') Object.assign(merged, deepMerge(stripManaged(existing), changes));
    const built = definition.build(ctx, merged, existing);
    return this.commitUpdate(ctx, definition, existing, built);
  }

  remove(realm: Realm, definition: EntityDefinition, body: Doc, settings?: SandboxSettings): Doc {
    if (definition.kind !== 'transaction') {
      // Name lists cannot be deleted; clients set Active:false (§3.3).
      throw Faults.unsupportedOperation(
        `Operation Delete is not supported for ${definition.name}; set Active to false instead.`,
      );
    }
    const existing = this.lockForWrite(realm, definition, body);
    const ctx = this.context(realm, { allowDuplicateDocNumber: false, requestBody: body }, settings);
    definition.assertDeletable?.(ctx, existing);
    realm.remove(definition.name, existing, ctx.now);
    this.afterWrite(ctx, definition, existing, undefined, 'Delete');
    return { status: 'Deleted', domain: 'QBO', Id: existing.Id };
  }

  void(realm: Realm, definition: EntityDefinition, body: Doc, settings?: SandboxSettings): Doc {
    if (!definition.voided) {
      throw Faults.unsupportedOperation(`Operation Void is not supported for ${definition.name}.`);
    }
    const existing = this.lockForWrite(realm, definition, body);
    const ctx = this.context(realm, { allowDuplicateDocNumber: false, requestBody: body }, settings);
    const doc = touch(definition.voided(ctx, existing), formatQboTime(ctx.now, realm.offsetMinutes, false));
    realm.put(definition.name, doc, existing);
    this.afterWrite(ctx, definition, existing, doc, 'Void');
    return doc;
  }

  query(realm: Realm, source: string): Doc {
    return runQuery(realm, source, this.settings().query).response;
  }

  /** GET /reports/{name}: read-only, so no SyncToken, change event or webhook. */
  report(realm: Realm, name: string, query: ReportQuery): Doc {
    return runReport({ realm, settings: this.settings(), now: this.clock.now(), query }, name);
  }

  /** Id and SyncToken are both required, and the SyncToken must be current (5010 otherwise, §3.3). */
  private lockForWrite(realm: Realm, definition: EntityDefinition, body: Doc): Doc {
    const id = idOf(body);
    if (id === undefined) throw Faults.requiredParam('Id');
    const existing =
      definition.kind === 'singleton'
        ? realm.table(definition.name).values().next().value
        : realm.get(definition.name, id);
    if (!existing) throw notFound(definition, 400);
    const syncToken = body.SyncToken;
    if (syncToken === undefined || syncToken === null || syncToken === '')
      throw Faults.requiredParam('SyncToken');
    if (String(syncToken) !== getString(existing, 'SyncToken')) throw Faults.staleObject();
    return existing;
  }

  /** An update's last step, from the API or the UI alike: the new version stored at the next SyncToken. */
  private commitUpdate(ctx: EntityContext, definition: EntityDefinition, existing: Doc, built: Doc): Doc {
    const doc = touch(
      {
        ...built,
        Id: existing.Id,
        SyncToken: existing.SyncToken,
        domain: 'QBO',
        sparse: false,
        MetaData: existing.MetaData,
      },
      formatQboTime(ctx.now, ctx.realm.offsetMinutes, false),
    );
    ctx.realm.put(definition.name, doc, existing);
    this.afterWrite(ctx, definition, existing, doc, 'Update');
    return doc;
  }

  private afterWrite(
    ctx: EntityContext,
    definition: EntityDefinition,
    previous: Doc | undefined,
    next: Doc | undefined,
    operation: ChangeOperation,
  ): void {
    const id = getString(next ?? previous ?? {}, 'Id') ?? '';
    const related: ChangedEntity[] = definition.afterWrite?.(ctx, previous, next) ?? [];
    this.changed(ctx.realm, {
      realmId: ctx.realm.realmId,
      entity: definition.name,
      id,
      operation,
      at: ctx.now,
    });
    for (const change of related) {
      this.changed(ctx.realm, {
        realmId: ctx.realm.realmId,
        entity: change.entity,
        id: change.id,
        operation: change.operation,
        at: ctx.now,
      });
    }
  }

  /**
   * POST /invoice/{id}/send[?sendTo=] (§3.3): EmailStatus becomes EmailSent with DeliveryInfo, and sendTo
   * replaces BillEmail. Sandbox companies may send 40 e-mails a day (§4.1).
   */
  sendInvoice(realm: Realm, definition: EntityDefinition, id: string, sendTo: string | undefined): Doc {
    const existing = realm.get(definition.name, id);
    if (!existing) throw notFound(definition, 400);
    const now = this.clock.now();
    const day = formatQboDate(now, realm.offsetMinutes);
    const limit = this.settings().limits.emailsPerDay;
    if (realm.emailDay !== day) {
      realm.emailDay = day;
      realm.emailsSent = 0;
    }
    if (limit !== null && realm.emailsSent >= limit) {
      // The code Intuit uses for the sandbox e-mail cap is UNCONFIRMED.
      throw Faults.businessValidation(
        `Business Validation Error: This company has reached its limit of ${limit} e-mails a day.`,
      );
    }
    const billEmail = sendTo === undefined ? getDoc(existing, 'BillEmail') : { Address: sendTo };
    if (getString(billEmail ?? {}, 'Address') === undefined) throw Faults.requiredParam('BillEmail');
    checkEmail(billEmail, 'BillEmail');
    const stamp = formatQboTime(now, realm.offsetMinutes, false);
    const doc = touch(
      {
        ...existing,
        BillEmail: billEmail,
        EmailStatus: 'EmailSent',
        DeliveryInfo: { DeliveryType: 'Email', DeliveryTime: stamp },
      },
      stamp,
    );
    realm.emailsSent += 1;
    realm.put(definition.name, doc, existing);
    this.changed(realm, {
      realmId: realm.realmId,
      entity: definition.name,
      id,
      operation: 'Emailed',
      at: now,
    });
    return doc;
  }

  /**
   * An invoice edited by a person on the QuickBooks form (issue 14, "edit in QuickBooks"): the patch is merged
   * like a sparse update and the invoice is rebuilt, so lines, tax, TotalAmt, Balance (less the payments
   * applied) and Customer.Balance follow; SyncToken and LastUpdatedTime move, CDC and the Update webhook see
   * it. What the API alone checks does not apply: no SyncToken, and a repeated DocNumber is kept (the form
   * warns and saves, [INF]). A total below what payments already applied is refused (6000, UNCONFIRMED: the
   * UI's answer is not documented). `externalEdit` stays for deliberately inconsistent records.
   */
  adminUpdate(realm: Realm, definition: EntityDefinition, id: string, patch: Doc): Doc {
    const existing = realm.get(definition.name, id);
    if (!existing) throw notFound(definition, 400);
    if (!definition.build) {
      throw Faults.unsupportedOperation(`Operation Update is not supported for ${definition.name}.`);
    }
    const changes = stripManaged(patch);
    const ctx = this.context(
      realm,
      { allowDuplicateDocNumber: true, requestBody: withKeptOverride(existing, changes, realm.isUS) },
      this.uiSettings(),
    );
    const built = definition.build(ctx, { ...stripManaged(existing), ...changes }, existing);
    if ((getNumber(built, 'Balance') ?? 0) < 0) {
      throw Faults.businessValidation(
        'Business Validation Error: The new total is less than the payments applied to this transaction.',
      );
    }
    return this.commitUpdate(ctx, definition, existing, built);
  }

  /** Void or delete from the QuickBooks UI: the API's operation at the current SyncToken, with UI rules. */
  adminVoidOrDelete(realm: Realm, definition: EntityDefinition, id: string, action: 'void' | 'delete'): Doc {
    const existing = realm.get(definition.name, id);
    if (!existing) throw notFound(definition, 400);
    const body: Doc = { Id: id, SyncToken: existing.SyncToken };
    return action === 'void'
      ? this.void(realm, definition, body, this.uiSettings())
      : this.remove(realm, definition, body, this.uiSettings());
  }

  /**
   * Applies a change as if a person edited the record in QuickBooks (bumping SyncToken without any
   * validation): how tests provoke 5010 in the product.
   */
  externalEdit(realm: Realm, definition: EntityDefinition, id: string, patch: Doc): Doc {
    const existing = realm.get(definition.name, id);
    if (!existing) throw notFound(definition, 400);
    const now = this.clock.now();
    const doc = touch(
      { ...existing, ...stripManaged(patch) },
      formatQboTime(now, realm.offsetMinutes, false),
    );
    realm.put(definition.name, doc, existing);
    this.changed(realm, {
      realmId: realm.realmId,
      entity: definition.name,
      id,
      operation: 'Update',
      at: now,
    });
    return doc;
  }
}

/**
 * The tax override a person left on an invoice survives an edit that does not touch the tax: the QuickBooks
 * form keeps an overridden tax amount while other fields change ([INF], UNCONFIRMED). It is passed on as if
 * sent again (US: TotalTax; global: the overridden TaxLine amounts). A patch with its own TxnTaxDetail
 * replaces it, and one without TotalTax or TaxLine lets QuickBooks compute the tax again.
 */
function withKeptOverride(existing: Doc, patch: Doc, isUS: boolean): Doc {
  if ('TxnTaxDetail' in patch) return patch;
  const stored = getDoc(existing, 'TxnTaxDetail') ?? {};
  const overridden = (getArray(stored, 'TaxLine') ?? []).filter(
    (line): line is Doc => isDoc(line) && getDoc(line, 'TaxLineDetail')?.OverrideDeltaAmount !== undefined,
  );
  if (overridden.length === 0) return patch;
  if (isUS) return { ...patch, TxnTaxDetail: { TotalTax: getNumber(stored, 'TotalTax') ?? 0 } };
  return {
    ...patch,
    TxnTaxDetail: {
      TaxLine: overridden.map((line) => ({
        Amount: line.Amount,
        DetailType: 'TaxLineDetail',
        TaxLineDetail: { TaxRateRef: getDoc(line, 'TaxLineDetail')?.TaxRateRef },
      })),
    },
  };
}

/** The two 610 wordings Intuit documents: a deleted transaction, or a name-list record gone inactive. */
function notFound(definition: EntityDefinition, status: number) {
  return definition.kind === 'transaction'
    ? Faults.deletedTransaction(status)
    : Faults.inactiveReference(status);
}

function idOf(body: Doc): string | undefined {
  const id = body.Id;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number') return String(id);
  return undefined;
}

function stripManaged(doc: Doc): Doc {
  const copy: Doc = { ...doc };
  for (const field of MANAGED_FIELDS) delete copy[field];
  return copy;
}

function deepMerge(base: Doc, patch: Doc): Doc {
  const out: Doc = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = getDoc(out, key);
    out[key] = current && isDoc(value) ? deepMerge(current, value) : value;
  }
  return out;
}
