import { GraphQLError } from 'graphql';
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { QuickBooksInvoicePreview } from '../schema/quickbooks-preview.js';
import { InvoicePreviewError } from '../services/invoice-preview.js';
import { authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { hostUnavailable, notFound, quickbooksNotConnected, quickbooksReauthRequired } from './errors.js';
import { withReferenceDataErrors } from './reference-data-errors.js';

function previewGraphQLError(error: InvoicePreviewError): GraphQLError {
  switch (error.failure) {
    case 'not_connected':
      return quickbooksNotConnected(error.message);
    case 'reauth_required':
      return quickbooksReauthRequired(error.message);
    case 'invoice_not_found':
      return notFound(error.message);
    case 'host_unavailable':
      return hostUnavailable(error.message, error.retryable);
  }
}

@Resolver()
export class QuickBooksPreviewResolver {
  @Query(() => QuickBooksInvoicePreview, {
    nullable: true,
    description:
      "What a push of one of the customer's invoices would send to QuickBooks now: the exact payload, every mapping decision with its reason, and the problems that would stop it, computed by the push's own code. Writes nothing. Any member. Null with FORBIDDEN for a customer the token does not name, QUICKBOOKS_NOT_CONNECTED, QUICKBOOKS_REAUTH_REQUIRED, NOT_FOUND for an invoice this customer does not have (another customer's included), HOST_UNAVAILABLE when the platform cannot be read, or QUICKBOOKS_UNAVAILABLE when the company's reference data cannot be read",
  })
  previewQuickBooksInvoice(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('invoiceId', () => ID) invoiceId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksInvoicePreview> {
    authorizeTenant(context, customerId, 'member', 'preview QuickBooks invoices');
    return withReferenceDataErrors(
      () => context.services.invoicePreview.preview(customerId, invoiceId),
      (error) => (error instanceof InvoicePreviewError ? previewGraphQLError(error) : undefined),
    );
  }
}
