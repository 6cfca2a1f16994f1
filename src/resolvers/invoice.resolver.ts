import { Ctx, Directive, FieldResolver, Resolver, Root } from 'type-graphql';
import { QuickBooksSyncState } from '../schema/enums.js';
import { Invoice } from '../schema/entities.js';
import { QuickBooksSyncStatus } from '../schema/quickbooks-sync-status.js';
import type { InvoiceSyncStatus } from '../services/sync-status.js';
import { authorizeTenant, requireViewer } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { badUserInput } from './errors.js';

/** `tenantId` is kept out of the schema; QuickBooksSyncStatusResolver reads it for the link's realm. */
export function toGraphQLStatus(status: InvoiceSyncStatus, tenantId: string): QuickBooksSyncStatus {
  return { ...status, state: QuickBooksSyncState[status.state], tenantId };
}

/**
 * The invoice's tenant from the gateway's representation (`@requires(fields: "customer { id }")`),
 * authorized for the caller as a member: every Invoice field of this subgraph reads within it.
 */
export function invoiceTenant(invoice: Invoice, context: GraphQLContext): string {
  const tenantId = invoice.customer?.id;
  if (!tenantId) {
    requireViewer(context); // an anonymous caller learns only that a caller is needed
    throw badUserInput('Invoice representation lacks customer { id }');
  }
  authorizeTenant(context, tenantId, 'member');
  return tenantId;
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
    const tenantId = invoiceTenant(invoice, context);
    return toGraphQLStatus(
      await context.loaders.syncStatus.load({ tenantId, invoiceId: invoice.id }),
      tenantId,
    );
  }
}

@Resolver(() => QuickBooksSyncStatus)
export class QuickBooksSyncStatusResolver {
  /**
   * Whoever could read the status may read its link (the parent field authorized the tenant). Intuit's
   * link needs no realm, so it costs no read; the emulator's reads the tenant's connection, batched per
   * request by the connection loader.
   */
  @FieldResolver(() => String, {
    nullable: true,
    description:
      "A link that opens the invoice in QuickBooks Online (null until QuickBooks holds it). Intuit's link names no company: it opens in the company the person is signed in to",
  })
  async quickbooksUrl(
    @Root() status: QuickBooksSyncStatus,
    @Ctx() context: GraphQLContext,
  ): Promise<string | null> {
    const invoiceId = status.quickbooksInvoiceId;
    if (!invoiceId) return null;
    const links = context.services.quickbooksLinks;
    if (!links.needsRealm) return links.invoiceUrl(invoiceId, undefined) ?? null;
    if (!status.tenantId) return null;
    const connection = await context.loaders.connection.load(status.tenantId);
    return links.invoiceUrl(invoiceId, connection.realmId) ?? null;
  }
}
