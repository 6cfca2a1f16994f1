import { definitionByEntityName, definitionByPath } from '../api/entities/registry.js';
import type { AppInput, RegisteredApp } from '../apps.js';
import { installAstTaxCodes } from '../company/ast-rates.js';
import type { Realm, RealmOptions } from '../company/realm.js';
import { RealmError } from '../company/registry.js';
import type { SandboxCore } from '../core.js';
import { QboFault } from '../errors.js';
import type { FaultRule, FaultRuleInput, LatencyRule, LatencyRuleInput } from '../faults.js';
import { ACCOUNTING_SCOPE, OPENID_SCOPES } from '../oauth/tokens.js';
import { SANDBOX_USER } from '../oauth/routes.js';
import type { RequestLogEntry, RequestLogFilter } from '../request-log.js';
import type { DeepPartial, SandboxSettings } from '../settings.js';
import { applySettingsPatch } from '../settings.js';
import type { Doc } from '../util/json.js';
import { getBoolean, getDoc, getString } from '../util/json.js';
import { formatQboTime } from '../util/time.js';
import type { DeliveryRecord, WebhookEvent, WebhookFaultsInput, WebhookFaultsState } from '../webhooks.js';
import { CsvImportRefused, importCsv, type CsvImportInput, type CsvImportResult } from './csv-import.js';

export class ControlError extends Error {
  override readonly name = 'ControlError';

  /** Intuit's fault code when QuickBooks itself would refuse the change (an admin edit, e.g. 6210). */
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * The invoice fields a person changes on the QuickBooks invoice form, in Intuit's names: lines (with their
 * tax codes), the transaction tax code and a tax override (TxnTaxDetail), dates, messages, addresses.
 */
export const ADMIN_INVOICE_FIELDS = [
  'Line',
  'TxnTaxDetail',
  'TxnDate',
  'DueDate',
  'CustomerMemo',
  'PrivateNote',
  'ApplyTaxAfterDiscount',
  'GlobalTaxCalculation',
  'SalesTermRef',
  'ShipAddr',
  'BillAddr',
  'BillEmail',
  'Deposit',
  'DocNumber',
] as const;

/** `update` (default) applies the fields; `void` and `delete` take no fields. */
export type AdminInvoiceEdit = { action?: 'update' | 'void' | 'delete' } & Doc;

export interface RealmSummary {
  realmId: string;
  country: string;
  companyName: string;
  customTxnNumbers: boolean;
  bookCloseDate: string | null;
  duplicateDocNumberCheck: boolean;
  /** Preferences.TaxPrefs.PartnerTaxEnabled === true (US automated sales tax). */
  automatedSalesTax: boolean;
  /** Preferences.TaxPrefs.PartnerTaxEnabled as stored; null when absent. */
  partnerTaxEnabled: boolean | null;
  /** Preferences.TaxPrefs.UsingSalesTax. */
  usingSalesTax: boolean;
  connectedApps: string[];
  counts: Record<string, number>;
}

export interface IssuedTokenSet {
  token_type: 'bearer';
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
  x_refresh_token_hard_expires_in: number;
  realmId: string;
  clientId: string;
}

export interface CompanyPreferencesPatch {
  customTxnNumbers?: boolean;
  bookCloseDate?: string | null;
  duplicateDocNumberCheck?: boolean;
  /** US only: true switches automated sales tax on (PartnerTaxEnabled true), false back to manual tax. */
  automatedSalesTax?: boolean;
  /**
   * US only, Preferences.TaxPrefs.PartnerTaxEnabled as Intuit's AST FAQ reads it: true = AST with sales tax
   * set up, false = AST on but sales tax not set up (no tax, a sent TotalTax ignored), null = absent (no AST).
   */
  partnerTaxEnabled?: boolean | null;
  /** Preferences.TaxPrefs.UsingSalesTax: false = sales tax off, TxnTaxDetail ignored and not stored. */
  usingSalesTax?: boolean;
}

export interface TaxCodeInput {
  name: string;
  rates: { name: string; percent: number }[];
}

/**
 * The test / demo / benchmark handle. Every method is also reachable over HTTP under /_sandbox (see
 * control/routes.ts), so other processes can drive the emulator the same way.
 */
export class SandboxControl {
  constructor(private readonly core: SandboxCore) {}

  // Clock ---------------------------------------------------------------------------------------------
  now(): string {
    return new Date(this.core.clock.now()).toISOString();
  }

  setClock(instant: string | number | Date, options: { freeze?: boolean } = {}): string {
    this.core.clock.set(instant, options);
    return this.now();
  }

  advanceClock(ms: number): string {
    this.core.clock.advance(ms);
    return this.now();
  }

  resetClock(): string {
    this.core.clock.reset();
    return this.now();
  }

  // Settings ------------------------------------------------------------------------------------------
  settings(): SandboxSettings {
    return structuredClone(this.core.settings);
  }

  updateSettings(patch: DeepPartial<SandboxSettings>): SandboxSettings {
    applySettingsPatch(this.core.settings, patch);
    return this.settings();
  }

  /** manual shows the consent page; approve / deny answer the authorize request at once. */
  setAuthorizeMode(mode: SandboxSettings['oauth']['authorizeMode'], realmId: string | null = null): void {
    this.core.settings.oauth.authorizeMode = mode;
    this.core.settings.oauth.autoApproveRealmId = realmId;
  }

  // Apps ----------------------------------------------------------------------------------------------
  registerApp(input: AppInput = {}): RegisteredApp {
    return { ...this.core.apps.register(input) };
  }

  updateApp(clientId: string, patch: Partial<Omit<RegisteredApp, 'clientId'>>): RegisteredApp {
    return { ...this.core.apps.update(clientId, patch) };
  }

  listApps(): RegisteredApp[] {
    return this.core.apps.list().map((app) => ({ ...app }));
  }

  // Realms --------------------------------------------------------------------------------------------
  listRealms(): RealmSummary[] {
    return this.core.realms.list().map(summarize);
  }

  createRealm(options: RealmOptions): RealmSummary {
    try {
      return summarize(this.core.realms.create(options));
    } catch (error) {
      if (error instanceof RealmError) throw new ControlError(error.message);
      throw error;
    }
  }

  /** Company settings a user would flip in QuickBooks: custom numbers, closing date, 6140 checking. */
  setCompanyPreferences(realmId: string, patch: CompanyPreferencesPatch): RealmSummary {
    const realm = this.realm(realmId);
    const prefs = realm.get('Preferences', '1') ?? {};
    if (patch.customTxnNumbers !== undefined) {
      prefs.SalesFormsPrefs = {
        ...(getDoc(prefs, 'SalesFormsPrefs') ?? {}),
        CustomTxnNumbers: patch.customTxnNumbers,
      };
    }
    if (patch.bookCloseDate !== undefined) {
      const accounting: Doc = { ...(getDoc(prefs, 'AccountingInfoPrefs') ?? {}) };
      if (patch.bookCloseDate === null) delete accounting.BookCloseDate;
      else accounting.BookCloseDate = patch.bookCloseDate;
      prefs.AccountingInfoPrefs = accounting;
    }
    if (patch.duplicateDocNumberCheck !== undefined)
      realm.duplicateDocNumberCheck = patch.duplicateDocNumberCheck;
    if (patch.automatedSalesTax !== undefined) {
      if (!realm.isUS) throw new ControlError('automated sales tax exists for US companies only');
      const taxPrefs: Doc = { ...(getDoc(prefs, 'TaxPrefs') ?? {}) };
      if (patch.automatedSalesTax) {
        taxPrefs.PartnerTaxEnabled = true;
        installAstTaxCodes(realm, formatQboTime(this.core.clock.now(), realm.offsetMinutes, false));
      } else delete taxPrefs.PartnerTaxEnabled;
      prefs.TaxPrefs = taxPrefs;
    }
    if (patch.partnerTaxEnabled !== undefined) {
      if (!realm.isUS) throw new ControlError('automated sales tax exists for US companies only');
      const taxPrefs: Doc = { ...(getDoc(prefs, 'TaxPrefs') ?? {}) };
      if (patch.partnerTaxEnabled === null) delete taxPrefs.PartnerTaxEnabled;
      else taxPrefs.PartnerTaxEnabled = patch.partnerTaxEnabled;
      if (patch.partnerTaxEnabled === true)
        installAstTaxCodes(realm, formatQboTime(this.core.clock.now(), realm.offsetMinutes, false));
      prefs.TaxPrefs = taxPrefs;
    }
    if (patch.usingSalesTax !== undefined) {
      prefs.TaxPrefs = { ...(getDoc(prefs, 'TaxPrefs') ?? {}), UsingSalesTax: patch.usingSalesTax };
    }
    return summarize(realm);
  }

  /**
   * A sales tax code with new rates, as a person sets one up in QuickBooks (Intuit's API does it through
   * TaxService, which the emulator does not serve): TaxRate and TaxCode records like the seeded ones.
   */
  createTaxCode(realmId: string, input: TaxCodeInput): Doc {
    const realm = this.realm(realmId);
    if (input.rates.length === 0) throw new ControlError('a tax code needs at least one rate');
    const stamp = formatQboTime(this.core.clock.now(), realm.offsetMinutes, false);
    const record = (entity: 'TaxRate' | 'TaxCode', fields: Doc): Doc => {
      const doc: Doc = {
        Id: realm.nextId(entity),
        SyncToken: '0',
        domain: 'QBO',
        sparse: false,
        MetaData: { CreateTime: stamp, LastUpdatedTime: stamp },
        ...fields,
      };
      realm.put(entity, doc);
      return doc;
    };
    const rates = input.rates.map((rate) =>
      record('TaxRate', {
        Name: rate.name,
        Description: rate.name,
        Active: true,
        RateValue: rate.percent,
        AgencyRef: { value: '1' },
        SpecialTaxType: 'NONE',
        DisplayType: 'ReadOnly',
        EffectiveTaxRate: [{ RateValue: rate.percent, EffectiveDate: '2020-01-01T00:00:00Z' }],
      }),
    );
    const code = record('TaxCode', {
      Name: input.name,
      Description: input.name,
      Active: true,
      Hidden: false,
      Taxable: true,
      TaxGroup: rates.length > 1,
      SalesTaxRateList: {
        TaxRateDetail: rates.map((rate, order) => ({
          TaxRateRef: { value: rate.Id, name: rate.Name },
          TaxTypeApplicable: 'TaxOnAmount',
          TaxOrder: order,
        })),
      },
      PurchaseTaxRateList: { TaxRateDetail: [] },
    });
    return structuredClone(code);
  }

  /** Simulates the connecting user losing admin rights or the subscription lapsing: API answers 401/120. */
  setUserAccess(realmId: string, clientId: string, hasAccess: boolean): void {
    const realm = this.realm(realmId);
    if (hasAccess) realm.lostAccessApps.delete(clientId);
    else realm.lostAccessApps.add(clientId);
  }

  // Entities ------------------------------------------------------------------------------------------
  listEntities(realmId: string, entity: string): Doc[] {
    const realm = this.realm(realmId);
    return [...realm.table(this.definition(entity).name).values()].map((doc) => structuredClone(doc));
  }

  getEntity(realmId: string, entity: string, id: string): Doc | undefined {
    const doc = this.realm(realmId).get(this.definition(entity).name, id);
    return doc === undefined ? undefined : structuredClone(doc);
  }

  /** Ids of deleted transactions (they answer CDC as status: Deleted). */
  deletedEntities(realmId: string, entity: string): string[] {
    return [...(this.realm(realmId).tombstones.get(this.definition(entity).name)?.keys() ?? [])];
  }

  /**
   * A change made "by someone in QuickBooks": no validation, SyncToken bumped, webhook sent. The product's
   * next write with the old SyncToken then meets 5010.
   */
  editEntity(realmId: string, entity: string, id: string, patch: Doc): Doc {
    const definition = this.definition(entity);
    return structuredClone(this.core.service.externalEdit(this.realm(realmId), definition, id, patch));
  }

  /**
   * An invoice changed by an admin in the QuickBooks UI, so drift can be made on purpose: `update` rebuilds
   * it from the patched fields (tax, TotalAmt, Balance less payments, Customer.Balance), `void` and `delete`
   * act as the UI does. SyncToken, LastUpdatedTime, CDC and the Update/Void/Delete webhook follow. Where
   * QuickBooks would refuse (closed period 6210, a total below the payments), throws ControlError with the code.
   */
  adminEditInvoice(realmId: string, id: string, edit: AdminInvoiceEdit): Doc {
    const realm = this.realm(realmId);
    const definition = this.definition('Invoice');
    const { action = 'update', ...fields } = edit;
    const allowed = new Set<string>(ADMIN_INVOICE_FIELDS);
    const unknown = Object.keys(fields).filter((key) => !allowed.has(key));
    if (unknown.length > 0) throw new ControlError(`not an invoice form field: ${unknown.join(', ')}`);
    if (action !== 'update' && Object.keys(fields).length > 0)
      throw new ControlError(`${action} takes no fields`);
    if (realm.get('Invoice', id) === undefined) throw new ControlError(`no Invoice ${id}`);
    try {
      const result =
        action === 'update'
          ? this.core.service.adminUpdate(realm, definition, id, fields)
          : this.core.service.adminVoidOrDelete(realm, definition, id, action);
      return structuredClone(result);
    } catch (error) {
      if (error instanceof QboFault) throw new ControlError(error.detail ?? error.message, error.code);
      throw error;
    }
  }

  /** A CSV file through QuickBooks' "Import data" wizard (csv-import.ts). */
  importCsv(realmId: string, input: CsvImportInput): CsvImportResult {
    const realm = this.realm(realmId);
    try {
      return importCsv(
        {
          realm,
          customer: this.definition('Customer'),
          invoice: this.definition('Invoice'),
          create: (target, definition, body, options) =>
            this.core.service.create(target, definition, body, options),
        },
        input,
      );
    } catch (error) {
      if (error instanceof CsvImportRefused) throw new ControlError(error.message);
      throw error;
    }
  }

  // Tokens --------------------------------------------------------------------------------------------
  /** A connection without the browser: as if the user approved the app for the company. */
  issueTokens(input: { realmId: string; clientId?: string; scopes?: string[] }): IssuedTokenSet {
    const clientId = input.clientId ?? this.core.apps.list()[0]?.clientId;
    if (clientId === undefined || !this.core.apps.get(clientId))
      throw new ControlError(`no app ${clientId ?? ''}`);
    this.realm(input.realmId);
    const scopes = input.scopes ?? [ACCOUNTING_SCOPE, ...OPENID_SCOPES.slice(0, 2)];
    const issued = this.core.tokens.createGrant(clientId, input.realmId, scopes, SANDBOX_USER.sub);
    return {
      token_type: 'bearer',
      access_token: issued.accessToken.token,
      refresh_token: issued.grant.refreshToken,
      expires_in: this.core.settings.oauth.accessTokenLifetimeSeconds,
      x_refresh_token_expires_in: issued.refreshExpiresIn,
      x_refresh_token_hard_expires_in: issued.hardExpiresIn,
      realmId: input.realmId,
      clientId,
    };
  }

  // Faults and latency --------------------------------------------------------------------------------
  injectFault(rule: FaultRuleInput): FaultRule {
    return { ...this.core.faults.addFault(rule) };
  }

  injectLatency(rule: LatencyRuleInput): LatencyRule {
    return { ...this.core.faults.addLatency(rule) };
  }

  listFaults(): { faults: FaultRule[]; latency: LatencyRule[] } {
    return this.core.faults.list();
  }

  removeFault(id: string): boolean {
    return this.core.faults.remove(id);
  }

  clearFaults(): void {
    this.core.faults.clearFaults();
    this.core.faults.clearLatency();
  }

  // Request log ---------------------------------------------------------------------------------------
  requests(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.core.requestLog.list(filter);
  }

  clearRequests(): void {
    this.core.requestLog.clear();
  }

  // Webhooks ------------------------------------------------------------------------------------------
  webhookDeliveries(clientId?: string): DeliveryRecord[] {
    return this.core.webhooks.listDeliveries(clientId);
  }

  sendTestEvents(input: { clientId?: string; realmId?: string } = {}): WebhookEvent[] {
    const clientId = input.clientId ?? this.core.apps.list()[0]?.clientId ?? '';
    const app = this.core.apps.get(clientId);
    if (!app?.webhookUrl) throw new ControlError(`app ${clientId} has no webhook endpoint`);
    const realm = input.realmId === undefined ? this.core.realms.list()[0] : this.realm(input.realmId);
    if (!realm) throw new ControlError('no realm');
    return this.core.webhooks.sendTestEvents(clientId, realm);
  }

  drainWebhooks(timeoutMs = 5000): Promise<boolean> {
    return this.core.webhooks.drain(timeoutMs);
  }

  /** Delivery faults for one app (drop, duplicate, delay, reorder); replaces that app's rules. */
  setWebhookFaults(clientId: string, faults: WebhookFaultsInput): WebhookFaultsState {
    if (!this.core.apps.get(clientId)) throw new ControlError(`no app ${clientId}`);
    return this.core.webhooks.setFaults(clientId, faults);
  }

  webhookFaults(clientId?: string): WebhookFaultsState[] {
    return this.core.webhooks.listFaults(clientId);
  }

  clearWebhookFaults(clientId?: string): void {
    this.core.webhooks.clearFaults(clientId);
  }

  // Reset ---------------------------------------------------------------------------------------------
  /**
   * Back to the start-up state: seeded companies, no faults, empty logs and caches, real clock.
   * keepConnections keeps apps and tokens (and so the realms' connections) for suites that connect once.
   */
  reset(options: { keepConnections?: boolean } = {}): void {
    const core = this.core;
    core.releaseTimers();
    core.realms.reset(false);
    core.faults.clearFaults();
    core.faults.clearLatency();
    core.limits.reset();
    core.idempotency.reset();
    core.requestLog.clear();
    core.webhooks.reset();
    core.resetSettings();
    if (options.keepConnections) {
      for (const grant of core.tokens.grantsFor()) {
        if (!grant.revoked && grant.realmId)
          core.realms.get(grant.realmId)?.connectedApps.add(grant.clientId);
      }
      return;
    }
    core.clock.reset();
    core.tokens.reset();
    core.resetApps();
  }

  private realm(realmId: string): Realm {
    const realm = this.core.realms.get(realmId);
    if (!realm) throw new ControlError(`no realm ${realmId}`);
    return realm;
  }

  private definition(entity: string) {
    const definition = definitionByEntityName(entity) ?? definitionByPath(entity.toLowerCase());
    if (!definition) throw new ControlError(`unknown entity ${entity}`);
    return definition;
  }
}

function summarize(realm: Realm): RealmSummary {
  const prefs = realm.get('Preferences', '1') ?? {};
  const taxPrefs = getDoc(prefs, 'TaxPrefs') ?? {};
  return {
    realmId: realm.realmId,
    country: realm.country,
    companyName: getString(realm.get('CompanyInfo', '1') ?? {}, 'CompanyName') ?? realm.realmId,
    customTxnNumbers: getDoc(prefs, 'SalesFormsPrefs')?.CustomTxnNumbers === true,
    bookCloseDate: getString(getDoc(prefs, 'AccountingInfoPrefs') ?? {}, 'BookCloseDate') ?? null,
    duplicateDocNumberCheck: realm.duplicateDocNumberCheck,
    automatedSalesTax: taxPrefs.PartnerTaxEnabled === true,
    partnerTaxEnabled: getBoolean(taxPrefs, 'PartnerTaxEnabled') ?? null,
    usingSalesTax: taxPrefs.UsingSalesTax !== false,
    connectedApps: [...realm.connectedApps],
    counts: realm.counts(),
  };
}
