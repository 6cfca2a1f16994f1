import {
  compare,
  decimal,
  formatDecimal,
  formatMoney,
  integerDigits,
  MONEY_SCALE,
  parseDecimal,
  roundTo,
  type Fixed,
} from './decimal.js';
import { badUserInput, forbidden, invalidTransition, notFound } from './errors.js';
import type { InvoiceEvents } from './events.js';
import {
  LINE_KINDS,
  type BillToParty,
  type CustomerRecord,
  type InvoiceLine,
  type InvoiceLineKind,
  type InvoicePaymentRecord,
  type InvoiceRecord,
} from './model.js';
import { isIsoDate } from './scalars.js';
import type { HostStore } from './store.js';
import type { Viewer } from './auth.js';

export interface PostalAddressInput {
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode?: string | null;
  country: string;
}

export interface BillToPartyInput {
  name: string;
  email?: string | null;
  phone?: string | null;
  address?: PostalAddressInput | null;
}

export interface InvoiceLineInput {
  id?: string | null;
  description: string;
  itemKind: InvoiceLineKind;
  serviceCode?: string | null;
  quantity: string;
  unitPrice: string;
  taxRate?: string | null;
}

export interface CreateInvoiceInput {
  customerId: string;
  issueDate?: string | null;
  dueDate?: string | null;
  billTo?: BillToPartyInput | null;
  lines?: InvoiceLineInput[] | null;
  /** Defaults to false: unit prices are before tax */
  pricesIncludeTax?: boolean | null;
  memo?: string | null;
}

/** One external payment's application to one invoice, as its source reports it now (absolute, not a delta). */
export interface RecordInvoicePaymentInput {
  invoiceId: string;
  source: string;
  externalId: string;
  revision: number;
  amount: string;
  receivedOn?: string | null;
  method?: string | null;
  reference?: string | null;
}

export interface RecordInvoicePaymentResult {
  /** False when this revision (or a newer one) was already recorded: nothing changed */
  applied: boolean;
  invoice: InvoiceRecord;
}

/** Omitted keys stay unchanged; null clears dueDate, billTo and memo. */
export interface UpdateInvoiceInput {
  issueDate?: string | null;
  dueDate?: string | null;
  billTo?: BillToPartyInput | null;
  lines?: InvoiceLineInput[] | null;
  pricesIncludeTax?: boolean | null;
  memo?: string | null;
}

export const LIMITS = {
  lines: 200,
  description: 1000,
  serviceCode: 50,
  name: 200,
  email: 254,
  phone: 40,
  addressLine: 200,
  memo: 2000,
  voidReason: 500,
  paymentSource: 50,
  paymentExternalId: 200,
  paymentMethod: 100,
  paymentReference: 100,
  /** Digits before the decimal point of quantities and prices */
  integerDigits: 9,
  /** Digits after the decimal point of quantities, prices and tax rates */
  fractionDigits: 4,
} as const;

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const COUNTRY_PATTERN = /^[A-Z]{2}$/;

/** Trims; blank becomes null. Errors name the input path. */
function optionalText(value: string | null | undefined, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  const text = value.trim();
  if (text.length > max) throw badUserInput(`${field} is longer than ${max} characters`, field);
  return text.length > 0 ? text : null;
}

function requiredText(value: string, field: string, max: number): string {
  const text = optionalText(value, field, max);
  if (text === null) throw badUserInput(`${field} must not be blank`, field);
  return text;
}

function country(value: string, field: string): string {
  const code = value.trim().toUpperCase();
  if (!COUNTRY_PATTERN.test(code)) throw badUserInput(`${field} must be an ISO 3166-1 alpha-2 code`, field);
  return code;
}

function boundedDecimal(
  text: string,
  field: string,
  check: (value: Fixed) => boolean,
  rule: string,
  minFraction = 0,
): string {
  const value = parseDecimal(text);
  if (!value) throw badUserInput(`${field} must be a decimal number`, field);
  if (value.scale > LIMITS.fractionDigits) {
    throw badUserInput(`${field} may have at most ${LIMITS.fractionDigits} decimals`, field);
  }
  if (integerDigits(value) > LIMITS.integerDigits || !check(value)) {
    throw badUserInput(`${field} must be ${rule}`, field);
  }
  return formatDecimal(value, minFraction);
}

const ZERO = decimal('0');
const HUNDRED = decimal('100');

/** Money to 2 decimals, at least 0; more decimals only when they are zeros (nothing is rounded away). */
function paymentAmount(text: string, field: string): string {
  const value = parseDecimal(text);
  if (!value) throw badUserInput(`${field} must be a decimal number`, field);
  if (compare(value, ZERO) < 0) throw badUserInput(`${field} must be at least 0`, field);
  if (compare(roundTo(value, MONEY_SCALE), value) !== 0) {
    throw badUserInput(`${field} may have at most ${MONEY_SCALE} decimals`, field);
  }
  if (integerDigits(value) > LIMITS.integerDigits) {
    throw badUserInput(`${field} may have at most ${LIMITS.integerDigits} digits before the point`, field);
  }
  return formatMoney(value);
}

function billTo(input: BillToPartyInput, field: string): BillToParty {
  const email = optionalText(input.email, `${field}.email`, LIMITS.email);
  if (email !== null && !EMAIL_PATTERN.test(email)) {
    throw badUserInput(`${field}.email is not an email address`, `${field}.email`);
  }
  const address = input.address;
  return {
    name: requiredText(input.name, `${field}.name`, LIMITS.name),
    email,
    phone: optionalText(input.phone, `${field}.phone`, LIMITS.phone),
    address: address
      ? {
          line1: requiredText(address.line1, `${field}.address.line1`, LIMITS.addressLine),
          line2: optionalText(address.line2, `${field}.address.line2`, LIMITS.addressLine),
          city: requiredText(address.city, `${field}.address.city`, LIMITS.addressLine),
          region: optionalText(address.region, `${field}.address.region`, LIMITS.addressLine),
          postalCode: optionalText(address.postalCode, `${field}.address.postalCode`, LIMITS.addressLine),
          country: country(address.country, `${field}.address.country`),
        }
      : null,
  };
}

/** Validates lines; ids of existing lines are kept, new lines get `<invoice id>-L<n>`. */
function lines(
  inputs: InvoiceLineInput[],
  field: string,
  customer: CustomerRecord,
  invoice: { id: string; lines: InvoiceLine[]; nextLineNumber: number },
): { lines: InvoiceLine[]; nextLineNumber: number } {
  if (inputs.length > LIMITS.lines)
    throw badUserInput(`${field} may hold at most ${LIMITS.lines} lines`, field);
  let nextLineNumber = invoice.nextLineNumber;
  const existing = new Set(invoice.lines.map((l) => l.id));
  const seen = new Set<string>();
  const result = inputs.map((line, i): InvoiceLine => {
    const at = `${field}[${i}]`;
    let id: string;
    if (line.id !== undefined && line.id !== null) {
      if (!existing.has(line.id) || seen.has(line.id)) {
        throw badUserInput(`${at}.id must name a line of this invoice, at most once`, `${at}.id`);
      }
      id = line.id;
    } else {
      id = `${invoice.id}-L${nextLineNumber++}`;
    }
    seen.add(id);
    if (!(LINE_KINDS as readonly string[]).includes(line.itemKind)) {
      throw badUserInput(`${at}.itemKind is not a line kind`, `${at}.itemKind`);
    }
    return {
      id,
      description: requiredText(line.description, `${at}.description`, LIMITS.description),
      itemKind: line.itemKind,
      serviceCode: optionalText(line.serviceCode, `${at}.serviceCode`, LIMITS.serviceCode),
      quantity: boundedDecimal(
        line.quantity,
        `${at}.quantity`,
        (q) => compare(q, ZERO) > 0,
        'greater than 0',
      ),
      unitPrice: boundedDecimal(
        line.unitPrice,
        `${at}.unitPrice`,
        (p) => compare(p, ZERO) >= 0,
        'at least 0',
        2,
      ),
      taxRate: boundedDecimal(
        line.taxRate ?? customer.defaultTaxRate,
        `${at}.taxRate`,
        (r) => compare(r, ZERO) >= 0 && compare(r, HUNDRED) <= 0,
        'a percentage between 0 and 100',
      ),
    };
  });
  return { lines: result, nextLineNumber };
}

function date(value: string, field: string): string {
  // The Date scalar already checks this; kept for callers that use the service directly.
  if (!isIsoDate(value)) throw badUserInput(`${field} must be a date written YYYY-MM-DD`, field);
  return value;
}

function checkDueDate(issueDate: string, dueDate: string | null, field: string): void {
  if (dueDate !== null && dueDate < issueDate) throw badUserInput(`${field} is before the issue date`, field);
}

interface FinalizeProblem {
  field: string;
  message: string;
}

/** What a finalized invoice must have: at least one line and a named bill-to party. */
function finalizeProblems(invoice: InvoiceRecord): FinalizeProblem[] {
  const problems: FinalizeProblem[] = [];
  if (invoice.lines.length === 0) problems.push({ field: 'lines', message: 'needs at least one line' });
  if (!invoice.billTo?.name) problems.push({ field: 'billTo', message: 'needs a bill-to party with a name' });
  return problems;
}

const describe = (problems: readonly FinalizeProblem[]) =>
  problems.map((p) => `${p.field} ${p.message}`).join('; ');

/**
 * The host's invoice rules. Mutations may act only for the caller's tenants: another tenant's customer
 * or invoice answers FORBIDDEN, an id that exists nowhere NOT_FOUND. Every committed invoice change bumps
 * `version`, sets `updatedAt` and publishes one event; a recorded payment is not an invoice change
 * (see `recordInvoicePayment`).
 */
export class InvoiceService {
  constructor(
    private readonly store: HostStore,
    private readonly events: InvoiceEvents,
    private readonly clock: () => Date,
  ) {}

  createInvoice(viewer: Viewer, input: CreateInvoiceInput): InvoiceRecord {
    if (!viewer.tenants.has(input.customerId)) throw forbidden();
    const customer = this.store.getCustomer(input.customerId);
    if (!customer) throw notFound('Customer', input.customerId);
    const now = this.clock().toISOString();
    const issueDate = input.issueDate ? date(input.issueDate, 'input.issueDate') : now.slice(0, 10);
    const dueDate = input.dueDate ? date(input.dueDate, 'input.dueDate') : null;
    checkDueDate(issueDate, dueDate, 'input.dueDate');
    const party = input.billTo ? billTo(input.billTo, 'input.billTo') : null;
    const memo = optionalText(input.memo, 'input.memo', LIMITS.memo);
    // Validate against the next identity first, so bad input never burns an invoice number.
    const { id } = this.store.peekInvoiceIdentity(customer.id);
    const validated = lines(input.lines ?? [], 'input.lines', customer, { id, lines: [], nextLineNumber: 1 });
    const { number } = this.store.allocateInvoiceIdentity(customer.id);
    const invoice: InvoiceRecord = {
      id,
      customerId: customer.id,
      number,
      status: 'DRAFT',
      currency: customer.currency,
      issueDate,
      dueDate,
      billTo: party,
      lines: validated.lines,
      pricesIncludeTax: input.pricesIncludeTax ?? false,
      memo,
      version: 1,
      createdAt: now,
      updatedAt: now,
      finalizedAt: null,
      voidedAt: null,
      voidReason: null,
      nextLineNumber: validated.nextLineNumber,
    };
    this.store.insertInvoice(invoice);
    this.events.publish('invoice.created', invoice);
    return invoice;
  }

  updateInvoice(viewer: Viewer, id: string, input: UpdateInvoiceInput): InvoiceRecord {
    const invoice = this.invoiceForChange(viewer, id);
    // A finalized invoice stays editable, as on real field-service platforms (a corrected quantity, a
    // late discount); each edit is one `invoice.updated` with a new version. A void one is history.
    if (invoice.status === 'VOID') throw invalidTransition(id, invoice.status, 'edit');
    if (Object.keys(input).length === 0)
      throw badUserInput('input changes nothing: give at least one field', 'input');
    const customer = this.store.getCustomer(invoice.customerId);
    if (!customer) throw notFound('Customer', invoice.customerId);
    const next = structuredClone(invoice);
    if ('issueDate' in input) {
      if (!input.issueDate) throw badUserInput('input.issueDate cannot be cleared', 'input.issueDate');
      next.issueDate = date(input.issueDate, 'input.issueDate');
    }
    if ('dueDate' in input) next.dueDate = input.dueDate ? date(input.dueDate, 'input.dueDate') : null;
    checkDueDate(next.issueDate, next.dueDate, 'dueDate' in input ? 'input.dueDate' : 'input.issueDate');
    if ('billTo' in input) next.billTo = input.billTo ? billTo(input.billTo, 'input.billTo') : null;
    if ('memo' in input) next.memo = optionalText(input.memo, 'input.memo', LIMITS.memo);
    if ('pricesIncludeTax' in input) {
      if (typeof input.pricesIncludeTax !== 'boolean')
        throw badUserInput('input.pricesIncludeTax cannot be null', 'input.pricesIncludeTax');
      next.pricesIncludeTax = input.pricesIncludeTax;
    }
    if ('lines' in input) {
      if (!input.lines)
        throw badUserInput('input.lines cannot be null; send [] to remove every line', 'input.lines');
      const validated = lines(input.lines, 'input.lines', customer, invoice);
      next.lines = validated.lines;
      next.nextLineNumber = validated.nextLineNumber;
    }
    if (next.status === 'FINALIZED') {
      // What finalizing required stays required: a finalized invoice never loses its lines or bill-to.
      const problems = finalizeProblems(next);
      if (problems.length > 0) {
        throw badUserInput(
          `Invoice ${id} is finalized and would no longer be complete: ${describe(problems)}`,
          undefined,
          { invoiceId: id, problems },
        );
      }
    }
    return this.commit(next, 'invoice.updated');
  }

  finalizeInvoice(viewer: Viewer, id: string): InvoiceRecord {
    const invoice = this.invoiceForChange(viewer, id);
    if (invoice.status !== 'DRAFT') throw invalidTransition(id, invoice.status, 'finalize');
    const problems = finalizeProblems(invoice);
    if (problems.length > 0) {
      throw badUserInput(`Invoice ${id} cannot be finalized: ${describe(problems)}`, undefined, {
        invoiceId: id,
        problems,
      });
    }
    const next = structuredClone(invoice);
    next.status = 'FINALIZED';
    return this.commit(next, 'invoice.finalized', (now) => (next.finalizedAt = now));
  }

  voidInvoice(viewer: Viewer, id: string, reason?: string | null): InvoiceRecord {
    const invoice = this.invoiceForChange(viewer, id);
    if (invoice.status !== 'FINALIZED') throw invalidTransition(id, invoice.status, 'void');
    const next = structuredClone(invoice);
    next.status = 'VOID';
    next.voidReason = optionalText(reason, 'reason', LIMITS.voidReason);
    return this.commit(next, 'invoice.voided', (now) => (next.voidedAt = now));
  }

  /**
   * Records what one external payment applies to an invoice now. Only service tokens may: payments come
   * from integrations (the QuickBooks subgraph), not from people. Idempotent per (invoice, source,
   * externalId) by `revision`: a call that is not newer than what is stored changes nothing, so retries,
   * duplicates and calls that arrive out of order cannot apply twice or bring an older amount back.
   * The invoice's `version` and `updatedAt` stay as they are and no `invoice.updated` is published: the
   * QuickBooks hook would announce it and the product would push the invoice again, in a loop.
   */
  recordInvoicePayment(viewer: Viewer, input: RecordInvoicePaymentInput): RecordInvoicePaymentResult {
    if (viewer.service === null) throw forbidden('Only a service token may record payments');
    const source = requiredText(input.source, 'input.source', LIMITS.paymentSource);
    const externalId = requiredText(input.externalId, 'input.externalId', LIMITS.paymentExternalId);
    if (!Number.isInteger(input.revision) || input.revision < 1) {
      throw badUserInput('input.revision must be an integer of at least 1', 'input.revision');
    }
    const amount = paymentAmount(input.amount, 'input.amount');
    const receivedOn = input.receivedOn ? date(input.receivedOn, 'input.receivedOn') : null;
    const method = optionalText(input.method, 'input.method', LIMITS.paymentMethod);
    const reference = optionalText(input.reference, 'input.reference', LIMITS.paymentReference);

    const invoice = this.store.getInvoice(input.invoiceId);
    // Unlike the other mutations, another tenant's invoice reads as missing: the caller is a service
    // scoped to one tenant, and nothing it could do with "exists elsewhere" would be legitimate.
    if (!invoice || !viewer.tenants.has(invoice.customerId)) throw notFound('Invoice', input.invoiceId);
    if (invoice.status === 'DRAFT') {
      throw badUserInput(
        `Invoice ${invoice.id} is a DRAFT: it was never issued, so nothing can be paid on it`,
        'input.invoiceId',
        { invoiceId: invoice.id, status: invoice.status },
      );
    }
    const stored = this.store.getPayment(invoice.id, source, externalId);
    if (stored && input.revision <= stored.revision) return { applied: false, invoice };
    const payment: InvoicePaymentRecord = {
      invoiceId: invoice.id,
      source,
      externalId,
      revision: input.revision,
      amount,
      receivedOn,
      method,
      reference,
      recordedAt: this.clock().toISOString(),
    };
    this.store.putPayment(payment);
    this.events.publish('invoice.payment_recorded', invoice, payment);
    return { applied: true, invoice };
  }

  private invoiceForChange(viewer: Viewer, id: string): InvoiceRecord {
    const invoice = this.store.getInvoice(id);
    if (!invoice) throw notFound('Invoice', id);
    if (!viewer.tenants.has(invoice.customerId))
      throw forbidden('You may not act for the customer of this invoice');
    return invoice;
  }

  private commit(
    next: InvoiceRecord,
    type: 'invoice.updated' | 'invoice.finalized' | 'invoice.voided',
    stamp?: (now: string) => void,
  ): InvoiceRecord {
    const now = this.clock().toISOString();
    stamp?.(now);
    next.version += 1;
    next.updatedAt = now;
    this.store.replaceInvoice(next);
    this.events.publish(type, next);
    return next;
  }
}
