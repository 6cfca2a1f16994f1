import { HostInvoiceError } from '../host/graphql-host-invoices.js';
import type { HostInvoiceSource } from '../host/host-invoices.js';
import type { Models } from '../models/index.js';
import {
  buildQuickBooksInvoice,
  previewOf,
  type BuildDecision,
  type BuildProblem,
  type BuildProblemCode,
  type InvoicePreview,
} from '../sync/build-invoice.js';
import { displayNameFor, platformKeyOf } from '../sync/customer-identity.js';
import type { PlatformInvoice } from '../sync/platform-invoice.js';
import { predictTaxParity, type TaxParityPrediction } from '../sync/tax-parity.js';
import type { ConnectionService } from './connections.js';
import type { MappingService } from './mappings/mapping-service.js';
import { DEFAULT_SETTINGS, type QuickBooksSettings } from './quickbooks-settings.js';
import type { ReferenceData } from './reference-data/types.js';

/**
 * `previewQuickBooksInvoice`: what the push would send for one invoice, computed by the push's own builder
 * (`buildQuickBooksInvoice`), with every decision and blocking problem. It reads the host, the cached
 * reference data, the mappings and the stored customer link; it never writes to QuickBooks, so a bill-to
 * party without a link is shown as "matched or created at push time" rather than looked up or created.
 */

/**
 * Why there is no preview. `reauth_required` / `quickbooks_unavailable` come from the reference data read
 * (ReferenceDataError passes through unchanged); these are the preview's own.
 */
export type InvoicePreviewFailure =
  'not_connected' | 'reauth_required' | 'invoice_not_found' | 'host_unavailable';

export class InvoicePreviewError extends Error {
  override readonly name = 'InvoicePreviewError';
  constructor(
    readonly failure: InvoicePreviewFailure,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Stands in for `CustomerRef.value` while the bill-to party has no QuickBooks customer linked yet. */
export const CUSTOMER_CHOSEN_AT_PUSH = 'chosen-at-push';

/** Problems only the preview reports: the builder is handed a customer and cannot see a missing bill-to. */
export const PREVIEW_PROBLEM_CODES = ['BILL_TO_MISSING'] as const;
export type PreviewProblemCode = (typeof PREVIEW_PROBLEM_CODES)[number];

export interface PreviewProblem extends Omit<BuildProblem, 'code'> {
  code: BuildProblemCode | PreviewProblemCode;
}

/** How the bill-to party becomes `CustomerRef`. */
export interface PreviewCustomer {
  /** LINKED: a stored link names the customer. PENDING: a create was started and is completed at push time.
   * UNLINKED: matched by e-mail, then name, or created at push time. NONE: the invoice has no bill-to. */
  resolution: 'LINKED' | 'PENDING' | 'UNLINKED' | 'NONE';
  /** The party's key in the links (`email:...` or `name:...`). */
  platformKey?: string;
  /** The QuickBooks Customer Id, when linked. */
  quickbooksCustomerId?: string;
  /** The DisplayName linked, or the one a create would send. */
  displayName?: string;
}

export interface QuickBooksInvoicePreview extends Omit<InvoicePreview, 'problems'> {
  problems: PreviewProblem[];
  tenantId: string;
  invoiceId: string;
  invoiceNumber: string;
  /** The host version previewed: a push of a later version may differ. */
  invoiceVersion: number;
  realmId: string;
  customer: PreviewCustomer;
  /** Whether QuickBooks will keep the platform's tax (src/sync/tax-parity.ts). */
  taxParity: TaxParityPrediction;
}

export interface InvoicePreviewDeps {
  connections: Pick<ConnectionService, 'getMany'>;
  invoices: HostInvoiceSource;
  referenceData: Pick<ReferenceData, 'get'>;
  mappings: Pick<MappingService, 'list'>;
  models: Pick<Models, 'customerLinks'>;
}

export class InvoicePreviewService {
  constructor(private readonly deps: InvoicePreviewDeps) {}

  /** `tenantId` comes from the verified request; the invoice must belong to it. */
  async preview(tenantId: string, invoiceId: string): Promise<QuickBooksInvoicePreview> {
    const [connection] = await this.deps.connections.getMany([tenantId]);
    if (connection?.status === 'NEEDS_REAUTH') {
      throw new InvoicePreviewError(
        'reauth_required',
        'QuickBooks no longer accepts this connection; an admin must reconnect',
      );
    }
    const realmId = connection?.realmId;
    if (!connection || connection.status === 'DISCONNECTED' || !realmId) {
      throw new InvoicePreviewError(
        'not_connected',
        'No QuickBooks company is connected to this customer; an admin must connect one first',
      );
    }
    const invoice = await this.loadInvoice(tenantId, invoiceId);
    const [snapshot, mappings, customer] = await Promise.all([
      this.deps.referenceData.get(tenantId),
      this.deps.mappings.list(tenantId),
      this.customerOf(tenantId, realmId, invoice),
    ]);
    const settings: QuickBooksSettings = connection.settings ?? DEFAULT_SETTINGS;
    const built = buildQuickBooksInvoice({
      invoice,
      mappings,
      snapshot,
      settings,
      customerId: customer.quickbooksCustomerId ?? CUSTOMER_CHOSEN_AT_PUSH,
    });
    const preview = previewOf(built);
    const decisions = [customerDecision(customer), ...preview.decisions];
    if (snapshot.facts.customTxnNumbers) decisions.push(existingNumberDecision(invoice, settings));
    const problems: PreviewProblem[] = [...preview.problems];
    if (customer.resolution === 'NONE') {
      problems.push({
        code: 'BILL_TO_MISSING',
        message: `Invoice ${invoice.number} has no bill-to party, so there is no QuickBooks customer to bill. Add one in the platform.`,
      });
    }
    if (customer.displayName && customer.resolution !== 'LINKED') {
      preview.payload.CustomerRef = { value: CUSTOMER_CHOSEN_AT_PUSH, name: customer.displayName };
    }
    const taxParity = predictTaxParity({
      invoice,
      payload: preview.payload,
      snapshot,
      policy: settings.taxDifferences,
    });
    return {
      ...preview,
      taxParity,
      ready: problems.length === 0,
      decisions,
      problems,
      tenantId,
      invoiceId: invoice.id,
      invoiceNumber: invoice.number,
      invoiceVersion: invoice.version,
      realmId,
      customer,
    };
  }

  private async loadInvoice(tenantId: string, invoiceId: string): Promise<PlatformInvoice> {
    let invoice: PlatformInvoice | null;
    try {
      invoice = await this.deps.invoices.load(tenantId, invoiceId);
    } catch (error) {
      if (!(error instanceof HostInvoiceError)) throw error;
      throw new InvoicePreviewError(
        'host_unavailable',
        "The platform's invoice API did not answer the invoice read; retry later",
        error.retryable,
        { cause: error },
      );
    }
    // The source scopes the read to the tenant; the check is a second line, and another tenant's invoice
    // answers exactly as an id that exists nowhere.
    if (!invoice || invoice.tenantId !== tenantId) {
      throw new InvoicePreviewError(
        'invoice_not_found',
        `Invoice ${invoiceId} does not exist for this customer`,
      );
    }
    return invoice;
  }

  private async customerOf(
    tenantId: string,
    realmId: string,
    invoice: PlatformInvoice,
  ): Promise<PreviewCustomer> {
    if (!invoice.billTo?.name) return { resolution: 'NONE' };
    const platformKey = platformKeyOf(invoice.billTo);
    const link = await this.deps.models.customerLinks
      .findOne({ tenantId, realmId, platformKey }, { state: 1, quickbooksCustomerId: 1, displayName: 1 })
      .lean();
    if (link?.state === 'LINKED') {
      return {
        resolution: 'LINKED',
        platformKey,
        quickbooksCustomerId: link.quickbooksCustomerId,
        displayName: link.displayName,
      };
    }
    if (link?.state === 'CREATING') {
      return { resolution: 'PENDING', platformKey, displayName: link.displayName };
    }
    return { resolution: 'UNLINKED', platformKey, displayName: displayNameFor(invoice.billTo.name) };
  }
}

function customerDecision(customer: PreviewCustomer): BuildDecision {
  const key = customer.platformKey;
  switch (customer.resolution) {
    case 'LINKED':
      return {
        field: 'CustomerRef',
        reason: `customer '${customer.displayName}' (QuickBooks Id ${customer.quickbooksCustomerId}): linked to the bill-to party ${key}; read back at push time to check it is still active`,
        sourceKey: key,
      };
    case 'PENDING':
      return {
        field: 'CustomerRef',
        reason: `customer '${customer.displayName}': an earlier push started creating it for ${key}; the push looks it up and completes that create (same requestid) before sending the invoice`,
        sourceKey: key,
      };
    case 'UNLINKED':
      return {
        field: 'CustomerRef',
        reason: `chosen at push time: the bill-to party ${key} is not linked yet, so the push uses an active QuickBooks customer with its e-mail, then one named '${customer.displayName}', and creates '${customer.displayName}' when there is none (the preview never writes to QuickBooks)`,
        sourceKey: key,
      };
    case 'NONE':
      return { field: 'CustomerRef', reason: 'none: the invoice has no bill-to party' };
  }
}

const EXISTING_NUMBER_RULE: Record<QuickBooksSettings['existingInvoiceNumber'], string> = {
  LINK: "the push adopts that QuickBooks invoice as this one's copy and updates it to match, instead of creating another",
  SUFFIX: 'the push sends the first free number of -2 to -9 after it instead',
  STOP: 'the push stops with ACTION_REQUIRED until an admin decides',
};

function existingNumberDecision(invoice: PlatformInvoice, settings: QuickBooksSettings): BuildDecision {
  return {
    field: 'DocNumber',
    reason: `if QuickBooks already has an invoice numbered ${invoice.number} at push time, the existing-number setting ${settings.existingInvoiceNumber} applies: ${EXISTING_NUMBER_RULE[settings.existingInvoiceNumber]}`,
  };
}
