import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { isUnionType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { Viewer } from './auth.js';
import { invoiceTotals, lineAmounts } from './decimal.js';
import { badUserInput, unauthenticated } from './errors.js';
import type { CustomerRecord, InvoiceLine, InvoiceRecord, InvoiceStatus } from './model.js';
import { DateScalar, DateTimeScalar, DecimalScalar } from './scalars.js';
import { paymentSummary, type InvoicePaymentSummary } from './payments.js';
import type {
  CreateInvoiceInput,
  InvoiceService,
  RecordInvoicePaymentInput,
  UpdateInvoiceInput,
} from './service.js';
import type { HostStore } from './store.js';

/** A line as its resolvers see it: with its invoice's pricesIncludeTax. */
type PricedLine = InvoiceLine & { pricesIncludeTax: boolean };

export interface HostContext {
  /** null without a valid bearer token */
  viewer: Viewer | null;
  /** Why the token was refused (jose's error code), when one was sent */
  authFailure?: string;
  store: HostStore;
  service: InvoiceService;
}

function requireViewer(ctx: HostContext): Viewer {
  if (!ctx.viewer) throw unauthenticated(ctx.authFailure);
  return ctx.viewer;
}

/**
 * The host's read rule: another tenant's customer or invoice reads as null (lists as empty), exactly
 * like one that does not exist, so reads never reveal what other tenants hold.
 */
function visibleCustomer(ctx: HostContext, id: string): CustomerRecord | null {
  const viewer = requireViewer(ctx);
  return viewer.tenants.has(id) ? (ctx.store.getCustomer(id) ?? null) : null;
}

function visibleInvoice(ctx: HostContext, id: string): InvoiceRecord | null {
  const viewer = requireViewer(ctx);
  const invoice = ctx.store.getInvoice(id);
  return invoice && viewer.tenants.has(invoice.customerId) ? invoice : null;
}

function visibleInvoices(
  ctx: HostContext,
  customerId: string,
  status?: InvoiceStatus | null,
): InvoiceRecord[] {
  const viewer = requireViewer(ctx);
  return viewer.tenants.has(customerId) ? ctx.store.listInvoices(customerId, status) : [];
}

type StatusArgs = { status?: InvoiceStatus | null };

function paymentsOf(invoice: InvoiceRecord, ctx: HostContext): InvoicePaymentSummary {
  return paymentSummary(
    invoiceTotals(invoice.lines, invoice.pricesIncludeTax).total,
    ctx.store.listPayments(invoice.id),
  );
}

export const resolvers: GraphQLResolverMap<HostContext> = {
  Decimal: DecimalScalar,
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: {
    customer: (_: unknown, args: { id: string }, ctx: HostContext) => visibleCustomer(ctx, args.id),
    invoice: (_: unknown, args: { id: string }, ctx: HostContext) => visibleInvoice(ctx, args.id),
    invoices: (_: unknown, args: { customerId: string } & StatusArgs, ctx: HostContext) =>
      visibleInvoices(ctx, args.customerId, args.status),
  },
  Mutation: {
    createInvoice: (_: unknown, args: { input: CreateInvoiceInput }, ctx: HostContext) =>
      ctx.service.createInvoice(requireViewer(ctx), args.input),
    updateInvoice: (_: unknown, args: { id: string; input: UpdateInvoiceInput }, ctx: HostContext) =>
      ctx.service.updateInvoice(requireViewer(ctx), args.id, args.input),
    finalizeInvoice: (_: unknown, args: { id: string }, ctx: HostContext) =>
      ctx.service.finalizeInvoice(requireViewer(ctx), args.id),
    voidInvoice: (_: unknown, args: { id: string; reason?: string | null }, ctx: HostContext) =>
      ctx.service.voidInvoice(requireViewer(ctx), args.id, args.reason),
    recordInvoicePayment: (_: unknown, args: { input: RecordInvoicePaymentInput }, ctx: HostContext) =>
      ctx.service.recordInvoicePayment(requireViewer(ctx), args.input),
  },
  Customer: {
    // Entity references from the gateway honour the same tenant rule as queries.
    __resolveReference: (reference: { id: string }, ctx: HostContext) => visibleCustomer(ctx, reference.id),
    invoices: (customer: CustomerRecord, args: StatusArgs, ctx: HostContext) =>
      visibleInvoices(ctx, customer.id, args.status),
  },
  Invoice: {
    __resolveReference: (reference: { id: string }, ctx: HostContext) => visibleInvoice(ctx, reference.id),
    customer: (invoice: InvoiceRecord, _: unknown, ctx: HostContext) =>
      ctx.store.getCustomer(invoice.customerId),
    totals: (invoice: InvoiceRecord) => invoiceTotals(invoice.lines, invoice.pricesIncludeTax),
    // A line's amounts depend on its invoice's pricesIncludeTax, so lines carry it down to their resolvers.
    lines: (invoice: InvoiceRecord): PricedLine[] =>
      invoice.lines.map((line) => ({ ...line, pricesIncludeTax: invoice.pricesIncludeTax })),
    paymentStatus: (invoice: InvoiceRecord, _: unknown, ctx: HostContext) =>
      paymentsOf(invoice, ctx).paymentStatus,
    amountPaid: (invoice: InvoiceRecord, _: unknown, ctx: HostContext) => paymentsOf(invoice, ctx).amountPaid,
    balance: (invoice: InvoiceRecord, _: unknown, ctx: HostContext) => paymentsOf(invoice, ctx).balance,
    payments: (invoice: InvoiceRecord, _: unknown, ctx: HostContext) => paymentsOf(invoice, ctx).payments,
  },
  InvoiceLine: {
    amount: (line: PricedLine) => lineAmounts(line, line.pricesIncludeTax).amount,
    taxAmount: (line: PricedLine) => lineAmounts(line, line.pricesIncludeTax).taxAmount,
  },
};

/**
 * @apollo/subgraph answers a representation of a type this subgraph does not have with an error without
 * a code, which would be logged and answered as an internal error: it is the caller's mistake, so it is
 * refused as BAD_USER_INPUT before the entities are resolved.
 */
export function refuseUnknownEntityTypes(schema: GraphQLSchema): GraphQLSchema {
  const entityUnion = schema.getType('_Entity');
  const entitiesField = schema.getQueryType()?.getFields()._entities;
  if (!isUnionType(entityUnion) || !entitiesField?.resolve) return schema;
  const entityTypes = new Set(entityUnion.getTypes().map((type) => type.name));
  const resolveEntities: GraphQLFieldResolver<unknown, unknown> = entitiesField.resolve;
  entitiesField.resolve = (source, args: { representations?: unknown[] }, context, info) => {
    (args.representations ?? []).forEach((representation, index) => {
      const typename = (representation as { __typename?: unknown } | null)?.__typename;
      if (typeof typename !== 'string' || !entityTypes.has(typename)) {
        throw badUserInput(
          `A representation names a type that is not an entity here (${[...entityTypes].join(', ')})`,
          `representations[${index}].__typename`,
        );
      }
    });
    return resolveEntities(source, args, context, info);
  };
  return schema;
}
