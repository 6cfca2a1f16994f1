import type { Clock } from '../clock.js';
import type { EntityName, Realm } from '../company/realm.js';
import { Faults } from '../errors.js';
import type { SandboxSettings } from '../settings.js';
import type { Doc } from '../util/json.js';
import { getDoc, getString, isDoc } from '../util/json.js';
import { formatQboDate, formatQboTime } from '../util/time.js';
import type { ChangedEntity, EntityDefinition, WriteOptions } from './entities/context.js';
import { EntityContext, checkEmail, touch } from './entities/context.js';
import { runQuery } from './query-exec.js';

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

  private context(realm: Realm, options: WriteOptions): EntityContext {
    const now = this.clock.now();
    return new EntityContext(realm, this.settings(), now, formatQboDate(now, realm.offsetMinutes), options);
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
    const doc = touch(
      {
        ...built,
        Id: existing.Id,
        SyncToken: existing.SyncToken,
        domain: 'QBO',
        sparse: false,
        MetaData: existing.MetaData,
      },
      formatQboTime(ctx.now, realm.offsetMinutes, false),
    );
    realm.put(definition.name, doc, existing);
    this.afterWrite(ctx, definition, existing, doc, 'Update');
    return doc;
  }

  remove(realm: Realm, definition: EntityDefinition, body: Doc): Doc {
    if (definition.kind !== 'transaction') {
      // Name lists cannot be deleted; clients set Active:false (§3.3).
      throw Faults.unsupportedOperation(
        `Operation Delete is not supported for ${definition.name}; set Active to false instead.`,
      );
    }
    const existing = this.lockForWrite(realm, definition, body);
    const ctx = this.context(realm, { allowDuplicateDocNumber: false, requestBody: body });
    definition.assertDeletable?.(ctx, existing);
    realm.remove(definition.name, existing, ctx.now);
    this.afterWrite(ctx, definition, existing, undefined, 'Delete');
    return { status: 'Deleted', domain: 'QBO', Id: existing.Id };
  }

  void(realm: Realm, definition: EntityDefinition, body: Doc): Doc {
    if (!definition.voided) {
      throw Faults.unsupportedOperation(`Operation Void is not supported for ${definition.name}.`);
    }
    const existing = this.lockForWrite(realm, definition, body);
    const ctx = this.context(realm, { allowDuplicateDocNumber: false, requestBody: body });
    const doc = touch(definition.voided(ctx, existing), formatQboTime(ctx.now, realm.offsetMinutes, false));
    realm.put(definition.name, doc, existing);
    this.afterWrite(ctx, definition, existing, doc, 'Void');
    return doc;
  }

  query(realm: Realm, source: string): Doc {
    return runQuery(realm, source, this.settings().query).response;
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
