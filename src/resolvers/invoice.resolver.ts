import { Ctx, Directive, FieldResolver, Resolver, Root } from 'type-graphql';
import { mayActFor } from '../auth/viewer.js';
import { QuickBooksSyncState } from '../schema/enums.js';
import { Invoice } from '../schema/entities.js';
import { QuickBooksSyncStatus } from '../schema/quickbooks-sync-status.js';
import type { InvoiceSyncStatus } from '../services/sync-status.js';
import { requireViewer, type GraphQLContext } from './context.js';
import { badUserInput, forbidden } from './errors.js';

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
    const viewer = requireViewer(context);
    const parentCompany = invoice.customer?.id;
    if (!parentCompany) throw badUserInput('Invoice representation lacks customer { id }');
    if (!mayActFor(viewer, parentCompany)) throw forbidden('You may not read invoices of this customer');
    return toGraphQLStatus(await context.loaders.syncStatus.load({ parentCompany, invoiceId: invoice.id }));
  }
}
