import { Ctx, Directive, FieldResolver, Resolver, Root } from 'type-graphql';
import { QuickBooksSyncState } from '../schema/enums.js';
import { Invoice } from '../schema/entities.js';
import { QuickBooksSyncStatus } from '../schema/quickbooks-sync-status.js';
import type { InvoiceSyncStatus } from '../services/sync-status.js';
import { authorizeTenant, requireViewer } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { badUserInput } from './errors.js';

export function toGraphQLStatus(status: InvoiceSyncStatus): QuickBooksSyncStatus {
  return { ...status, state: QuickBooksSyncState[status.state] };
}

@Resolver(() => Invoice)
export class InvoiceResolver {
  // Nullable: a FORBIDDEN or TIMEOUT on one invoice must leave the rest of an invoice list intact.
  @FieldResolver(() => QuickBooksSyncStatus, {
    nullable: true,
    description:
      "The invoice's state in QuickBooks (NOT_SYNCED when never pushed); null with an error when it cannot be read (FORBIDDEN, TIMEOUT)",
  })
  @Directive('@requires(fields: "customer { id }")')
  async quickbooksSyncStatus(
    @Root() invoice: Invoice,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksSyncStatus | null> {
    const tenantId = invoice.customer?.id;
    if (!tenantId) {
      requireViewer(context); // an anonymous caller learns only that a caller is needed
      throw badUserInput('Invoice representation lacks customer { id }');
    }
    authorizeTenant(context, tenantId, 'member');
    return toGraphQLStatus(await context.loaders.syncStatus.load({ tenantId, invoiceId: invoice.id }));
  }
}
