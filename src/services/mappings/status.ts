import { ClientError, GraphQLClient } from 'graphql-request';
import type { MappingKind } from '../../models/mapping-set.js';
import type { ReferenceData, ReferenceSnapshot } from '../reference-data/types.js';
import { ITEM_KINDS, itemKindKey, serviceCodeKey, taxRateKeyFromPercent } from './source-keys.js';
import { rankSuggestions, type SourceKeySuggestions, type SuggestionRequest } from './suggestions.js';

/** One stored mapping as judged against the current company (the mapping store's `list`). */
export interface CurrentMapping {
  kind: MappingKind;
  sourceKey: string;
  targetId: string;
  status: 'OK' | 'BROKEN';
  /** Why it is broken, in words an admin acts on. */
  reason?: string;
}

export interface CurrentMappings {
  list(tenantId: string): Promise<readonly CurrentMapping[]>;
}

/** What the status reads of one platform invoice line (the host's `InvoiceLine`). */
export interface PlatformInvoiceLine {
  itemKind: string;
  serviceCode?: string | null;
  /** Percent, as the host sends it ("8.25" is 8.25 %). */
  taxRate: string;
}

/** The tenant's invoices, read with the caller's own credentials so the host applies its own rules. */
export interface PlatformInvoices {
  linesByInvoice(tenantId: string, bearerToken: string): Promise<PlatformInvoiceLine[][]>;
}

/** The host did not answer the invoice read. `retryable` when sending the same read later may work. */
export class HostReadError extends Error {
  override readonly name = 'HostReadError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const INVOICE_LINES = /* GraphQL */ `
  query QuickBooksMappingUsage($customerId: ID!) {
    invoices(customerId: $customerId) {
      lines {
        itemKind
        serviceCode
        taxRate
      }
    }
  }
`;

interface InvoiceLinesResult {
  invoices: { lines: PlatformInvoiceLine[] }[];
}

/**
 * Reads invoice lines from the host's GraphQL API (through the gateway in production), forwarding the
 * caller's bearer token: the host decides which invoices that caller sees, this service never widens it.
 */
export function createHostInvoiceReader(options: {
  url: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): PlatformInvoices {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async linesByInvoice(tenantId, bearerToken) {
      const client = new GraphQLClient(options.url, {
        headers: { authorization: `Bearer ${bearerToken}` },
        signal: AbortSignal.timeout(timeoutMs),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      try {
        const result = await client.request<InvoiceLinesResult>(INVOICE_LINES, { customerId: tenantId });
        return result.invoices.map((invoice) => invoice.lines);
      } catch (error) {
        // Neither the token nor the host's raw answer goes into the message: it reaches logs.
        if (error instanceof ClientError) {
          const status = error.response.status;
          throw new HostReadError(
            `the platform's invoice API answered the invoice read with ${status >= 400 ? `HTTP ${status}` : 'errors'}`,
            status >= 500 || status === 429,
            { cause: error },
          );
        }
        throw new HostReadError("the platform's invoice API could not be reached", true, { cause: error });
      }
    },
  };
}

export interface MissingMapping {
  kind: MappingKind;
  sourceKey: string;
  /** Invoices with at least one line that needs this key. */
  invoiceCount: number;
}

export interface BrokenMapping extends MissingMapping {
  targetId: string;
  reason?: string;
}

export interface MappingStatusReport {
  /** Every key the invoices need is mapped to something that still works in QuickBooks. */
  ready: boolean;
  unmapped: MissingMapping[];
  broken: BrokenMapping[];
}

/**
 * Which keys the invoices need and which of those lack a working mapping. A line needs its service
 * code's mapping when one exists (it wins over the kind), else its kind's; its tax rate needs a TAX_CODE
 * mapping unless QuickBooks computes tax itself (Automated Sales Tax). A broken mapping is reported, not
 * skipped over to the kind: the admin chose it on purpose and should repair it.
 */
export function mappingStatus(
  invoices: readonly (readonly PlatformInvoiceLine[])[],
  mappings: readonly CurrentMapping[],
  facts: Pick<ReferenceSnapshot['facts'], 'automatedSalesTax'>,
): MappingStatusReport {
  const bySourceKey = new Map(mappings.map((mapping) => [mapping.sourceKey, mapping]));
  const needed = new Map<string, { kind: MappingKind; invoiceCount: number }>();
  for (const lines of invoices) {
    const keysOfInvoice = new Map<string, MappingKind>();
    for (const line of lines) {
      const codeKey = line.serviceCode ? serviceCodeKey(line.serviceCode) : undefined;
      keysOfInvoice.set(
        codeKey && bySourceKey.has(codeKey)
          ? codeKey
          : itemKindKey(line.itemKind as (typeof ITEM_KINDS)[number]),
        'ITEM',
      );
      if (!facts.automatedSalesTax) {
        const rateKey = taxRateKeyFromPercent(line.taxRate);
        if (rateKey) keysOfInvoice.set(rateKey, 'TAX_CODE');
      }
    }
    for (const [sourceKey, kind] of keysOfInvoice) {
      const entry = needed.get(sourceKey) ?? { kind, invoiceCount: 0 };
      entry.invoiceCount += 1;
      needed.set(sourceKey, entry);
    }
  }
  const unmapped: MissingMapping[] = [];
  const broken: BrokenMapping[] = [];
  for (const [sourceKey, { kind, invoiceCount }] of needed) {
    const mapping = bySourceKey.get(sourceKey);
    if (!mapping) unmapped.push({ kind, sourceKey, invoiceCount });
    else if (mapping.status !== 'OK') {
      broken.push({ kind, sourceKey, invoiceCount, targetId: mapping.targetId, reason: mapping.reason });
    }
  }
  const order = (a: MissingMapping, b: MissingMapping) =>
    b.invoiceCount - a.invoiceCount || a.sourceKey.localeCompare(b.sourceKey);
  return {
    ready: unmapped.length === 0 && broken.length === 0,
    unmapped: unmapped.sort(order),
    broken: broken.sort(order),
  };
}

/** Keys worth suggesting for: needed and not working, or an item kind nothing covers yet. */
function keysToSuggest(
  invoices: readonly (readonly PlatformInvoiceLine[])[],
  mappings: readonly CurrentMapping[],
  report: MappingStatusReport,
): string[] {
  const working = new Set(mappings.filter((m) => m.status === 'OK').map((m) => m.sourceKey));
  const keys = new Set([...report.unmapped, ...report.broken].map((entry) => entry.sourceKey));
  // A service code used on invoices without its own mapping falls back to its kind; a SKU match still
  // deserves a look, so it is offered too.
  for (const line of invoices.flat()) {
    if (line.serviceCode && !working.has(serviceCodeKey(line.serviceCode))) {
      keys.add(serviceCodeKey(line.serviceCode));
    }
  }
  for (const kind of ITEM_KINDS) if (!working.has(itemKindKey(kind))) keys.add(itemKindKey(kind));
  return [...keys];
}

export interface MappingStatusServiceDeps {
  referenceData: ReferenceData;
  mappings: CurrentMappings;
  invoices: PlatformInvoices;
}

/** What stands between a tenant and its first sync, and the candidates that would close the gap. */
export class MappingStatusService {
  constructor(private readonly deps: MappingStatusServiceDeps) {}

  async status(tenantId: string, bearerToken: string): Promise<MappingStatusReport> {
    const [snapshot, mappings, invoices] = await this.read(tenantId, bearerToken);
    return mappingStatus(invoices, mappings, snapshot.facts);
  }

  /**
   * Ranked candidates for `sourceKeys`, or, when none are named, for every key the invoices need that has
   * no working mapping, every service code they use without one, and every unmapped item kind.
   */
  async suggestions(
    tenantId: string,
    bearerToken: string,
    sourceKeys?: readonly string[],
  ): Promise<SourceKeySuggestions[]> {
    let snapshot: ReferenceSnapshot;
    let requests: SuggestionRequest[];
    if (sourceKeys) {
      snapshot = await this.deps.referenceData.get(tenantId);
      requests = [...new Set(sourceKeys)].map((sourceKey) => ({ sourceKey }));
    } else {
      const [read, mappings, invoices] = await this.read(tenantId, bearerToken);
      snapshot = read;
      const report = mappingStatus(invoices, mappings, read.facts);
      requests = keysToSuggest(invoices, mappings, report).map((sourceKey) => ({ sourceKey }));
    }
    return rankSuggestions(requests, snapshot);
  }

  private read(tenantId: string, bearerToken: string) {
    return Promise.all([
      this.deps.referenceData.get(tenantId),
      this.deps.mappings.list(tenantId),
      this.deps.invoices.linesByInvoice(tenantId, bearerToken),
    ]);
  }
}
