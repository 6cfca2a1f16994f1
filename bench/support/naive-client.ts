/**
 * How common QuickBooks integrations push an invoice, for comparison: look the customer up by name,
 * create it if missing, create the invoice; on any error wait a fixed time and send the same request again
 * (no requestid, no look-up after an ambiguous failure, no governor); one request at a time per company.
 * Plain fetch against the emulator's Accounting API.
 */

export interface NaiveLine {
  description: string;
  amount: number;
  itemId: string;
  taxable: boolean;
}

export interface NaiveInvoice {
  /** The platform invoice id, written into PrivateNote as `(<id>)` so copies can be counted. */
  id: string;
  billToName: string;
  billToEmail: string;
  lines: NaiveLine[];
}

export interface NaiveCompany {
  realmId: string;
  accessToken: string;
  taxCodeId: string;
}

export interface NaiveOutcome {
  calls: number;
  throttled: number;
  /** Invoices given up on after the last retry (never created, as far as the client knows). */
  gaveUp: number;
}

export interface NaiveOptions {
  apiBaseUrl: string;
  retryDelayMs: number;
  maxRetries: number;
  /** Per request; a request past it is abandoned and retried like any error. */
  timeoutMs: number;
}

/** Pushes a company's invoices one request at a time. */
export async function pushNaively(
  company: NaiveCompany,
  invoices: readonly NaiveInvoice[],
  options: NaiveOptions,
): Promise<NaiveOutcome> {
  const outcome: NaiveOutcome = { calls: 0, throttled: 0, gaveUp: 0 };
  const base = `${options.apiBaseUrl}/v3/company/${company.realmId}`;

  const send = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    for (let attempt = 0; attempt <= options.maxRetries; attempt += 1) {
      outcome.calls += 1;
      try {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${company.accessToken}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        const text = await response.text();
        if (response.status === 429) outcome.throttled += 1;
        if (response.ok) return JSON.parse(text) as unknown;
      } catch {
        // A dropped or timed-out request: retried like any other error.
      }
      await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs));
    }
    return undefined;
  };

  for (const invoice of invoices) {
    const query = `select * from Customer where DisplayName = '${invoice.billToName.replace(/'/g, "\\'")}'`;
    const found = (await send('GET', `/query?query=${encodeURIComponent(query)}&minorversion=75`)) as
      { QueryResponse?: { Customer?: { Id: string }[] } } | undefined;
    let customerId = found?.QueryResponse?.Customer?.[0]?.Id;
    if (found && !customerId) {
      const created = (await send('POST', '/customer?minorversion=75', {
        DisplayName: invoice.billToName,
        PrimaryEmailAddr: { Address: invoice.billToEmail },
      })) as { Customer?: { Id: string } } | undefined;
      customerId = created?.Customer?.Id;
    }
    if (!customerId) {
      outcome.gaveUp += 1;
      continue;
    }
    const created = await send('POST', '/invoice?minorversion=75', {
      CustomerRef: { value: customerId },
      PrivateNote: `Platform invoice (${invoice.id})`,
      TxnTaxDetail: { TxnTaxCodeRef: { value: company.taxCodeId } },
      Line: invoice.lines.map((line) => ({
        DetailType: 'SalesItemLineDetail',
        Amount: line.amount,
        Description: line.description,
        SalesItemLineDetail: {
          ItemRef: { value: line.itemId },
          TaxCodeRef: { value: line.taxable ? 'TAX' : 'NON' },
        },
      })),
    });
    if (created === undefined) outcome.gaveUp += 1;
  }
  return outcome;
}
