import {
  Arg,
  Ctx,
  Directive,
  FieldResolver,
  ID,
  Int,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { InvoicePaymentsChangedEvent } from '../events/payment-events.js';
import { Invoice } from '../schema/entities.js';
import {
  QuickBooksInvoiceBalance,
  QuickBooksInvoicePayment,
  QuickBooksInvoicePaymentsChange,
  QuickBooksInvoicePaymentStatus,
  QuickBooksPaymentStanding,
  QuickBooksUnmatchedPayment,
  QuickBooksUnmatchedReason,
} from '../schema/quickbooks-payments.js';
import type { InvoiceBalanceView, InvoicePaymentView } from '../services/payments/payment-views.js';
import { authorizeTenant } from './authorize.js';
import { invoiceTenant } from './invoice.resolver.js';
import type { GraphQLContext } from './context.js';
import { badUserInput } from './errors.js';

const UNMATCHED_MAX = 200;

const toPayment = (view: InvoicePaymentView): QuickBooksInvoicePayment => ({
  ...view,
  standing: QuickBooksPaymentStanding[view.standing],
});

const toBalance = (view: InvoiceBalanceView | null): QuickBooksInvoiceBalance | null =>
  view && { ...view, paymentStatus: QuickBooksInvoicePaymentStatus[view.paymentStatus] };

@Resolver(() => Invoice)
export class InvoicePaymentsResolver {
  @FieldResolver(() => [QuickBooksInvoicePayment], {
    nullable: true,
    description:
      'Payments recorded in QuickBooks that pay this invoice now (edits, unapplications, voids and deletes already applied); empty when none; null with an error when it cannot be read',
  })
  @Directive('@requires(fields: "customer { id }")')
  async quickbooksPayments(
    @Root() invoice: Invoice,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksInvoicePayment[] | null> {
    const tenantId = invoiceTenant(invoice, context);
    const views = await context.loaders.invoicePayments.load({ tenantId, invoiceId: invoice.id });
    return views.map(toPayment);
  }

  @FieldResolver(() => QuickBooksInvoiceBalance, {
    nullable: true,
    description:
      'What QuickBooks says this invoice still owes, as of the last read; null until the payment pull has read it (it reads an invoice when a payment touches it)',
  })
  @Directive('@requires(fields: "customer { id }")')
  async quickbooksBalance(
    @Root() invoice: Invoice,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksInvoiceBalance | null> {
    const tenantId = invoiceTenant(invoice, context);
    return toBalance(await context.loaders.invoiceBalance.load({ tenantId, invoiceId: invoice.id }));
  }
}

@Resolver()
export class QuickBooksPaymentsResolver {
  @Query(() => [QuickBooksUnmatchedPayment], {
    description:
      'QuickBooks payments that pay none of the invoices pushed from the platform (listed, never dropped), newest change first. Admins only',
  })
  async quickbooksUnmatchedPayments(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('first', () => Int, { defaultValue: 50, description: `At most ${UNMATCHED_MAX}` }) first: number,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksUnmatchedPayment[]> {
    authorizeTenant(context, customerId, 'admin', 'read unmatched QuickBooks payments');
    if (!Number.isInteger(first) || first < 1 || first > UNMATCHED_MAX) {
      throw badUserInput(`first must be between 1 and ${UNMATCHED_MAX}`, 'first');
    }
    const views = await context.services.paymentViews.unmatched(customerId, first);
    return views.map((view) => ({ ...view, reason: QuickBooksUnmatchedReason[view.reason] }));
  }

  @Subscription(() => QuickBooksInvoicePaymentsChange, {
    description:
      "Pushes every change of what QuickBooks says was paid on a customer's invoices (or one invoice when `invoiceId` is given). FORBIDDEN for customers the caller may not act for",
    subscribe: ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const { customerId, invoiceId } = args as { customerId: string; invoiceId?: string | null };
      authorizeTenant(ctx, customerId, 'member');
      return ctx.services.paymentViews.subscribe(customerId, invoiceId ?? undefined);
    },
  })
  async quickbooksInvoicePaymentsChanged(
    @Root() event: InvoicePaymentsChangedEvent,
    @Arg('customerId', () => ID) _customerId: string,
    @Arg('invoiceId', () => ID, { nullable: true }) _invoiceId: string | null,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksInvoicePaymentsChange> {
    // The event names the invoice only: the amounts are read now, so a subscriber never sees a stale state.
    const key = { tenantId: event.tenantId, invoiceId: event.invoiceId };
    const [payments] = await context.services.paymentViews.paymentsOf([key]);
    const [balance] = await context.services.paymentViews.balancesOf([key]);
    return {
      invoiceId: event.invoiceId,
      invoice: { id: event.invoiceId, customer: { id: event.tenantId } },
      payments: (payments ?? []).map(toPayment),
      balance: toBalance(balance ?? null),
    };
  }
}
