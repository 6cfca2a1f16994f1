import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { QuickBooksSyncStatus } from '../schema/quickbooks-sync-status.js';
import { QuickBooksInvoiceChange } from '../schema/quickbooks-sync.js';
import { SyncRequestRefusedError } from '../services/invoice-intake.js';
import type { InvoiceChange } from '../workers/invoice-push-job.js';
import { authorizeService, authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { badUserInput, conflict } from './errors.js';
import { toGraphQLStatus } from './invoice.resolver.js';

const MAX_REASON_LENGTH = 500;

async function withRefusals<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SyncRequestRefusedError) {
      throw error.reason === 'CONTENDED' ? conflict(error.message) : badUserInput(error.message, 'invoiceId');
    }
    throw error;
  }
}

/**
 * Intake of invoice pushes. `customerId` is not in the signatures: jobs and sync state are scoped
 * by tenant, and deriving the tenant from the invoice id alone would trust an id the client sent. The
 * caller names the tenant and the verified token must include it.
 */
@Resolver()
export class QuickBooksSyncResolver {
  @Mutation(() => QuickBooksSyncStatus, {
    description:
      "The platform announces a change to one of a customer's invoices; the invoice is QUEUED and pushed after QUICKBOOKS_PUSH_DEBOUNCE_MS without further changes (a burst of edits gives one push of the latest version). Platform service tokens (the `service` claim) naming the customer only: FORBIDDEN for tenant users, admins included",
  })
  notifyQuickBooksInvoiceChanged(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('invoiceId', () => ID) invoiceId: string,
    @Arg('change', () => QuickBooksInvoiceChange) change: InvoiceChange,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksSyncStatus> {
    authorizeService(context, customerId, 'announce invoice changes');
    return withRefusals(async () =>
      toGraphQLStatus(
        await context.services.invoiceIntake.notify({ tenantId: customerId, invoiceId }, change),
        customerId,
      ),
    );
  }

  @Mutation(() => QuickBooksSyncStatus, {
    description:
      'Pushes the invoice again now: a retry of a failed, dead or action-required push, "sync now" of an invoice never pushed, or a re-push of a synced invoice (QuickBooks gets the platform\'s version again, e.g. after it was changed there). BAD_USER_INPUT when a push is already queued or running. Admins of the customer only',
  })
  retryQuickBooksSync(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('invoiceId', () => ID) invoiceId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksSyncStatus> {
    authorizeTenant(context, customerId, 'admin', 'retry QuickBooks syncs');
    return withRefusals(async () =>
      toGraphQLStatus(
        await context.services.invoiceIntake.retry({ tenantId: customerId, invoiceId }),
        customerId,
      ),
    );
  }

  @Mutation(() => QuickBooksSyncStatus, {
    description:
      "Leaves a failed, dead or action-required invoice alone (NOT_SYNCED) until it changes or is retried; the reason goes to the customer's audit log. BAD_USER_INPUT when there is no error to dismiss. Admins of the customer only",
  })
  dismissQuickBooksSyncError(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('invoiceId', () => ID) invoiceId: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksSyncStatus> {
    const viewer = authorizeTenant(context, customerId, 'admin', 'dismiss QuickBooks sync errors');
    const trimmed = reason.trim();
    if (trimmed.length === 0) throw badUserInput('reason is empty: say why the error is dismissed', 'reason');
    if (trimmed.length > MAX_REASON_LENGTH) {
      throw badUserInput(`reason is longer than ${MAX_REASON_LENGTH} characters`, 'reason');
    }
    return withRefusals(async () =>
      toGraphQLStatus(
        await context.services.invoiceIntake.dismiss(
          { tenantId: customerId, invoiceId },
          viewer.userId,
          trimmed,
        ),
        customerId,
      ),
    );
  }
}
