import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { HostInvoiceError } from '../host/graphql-host-invoices.js';
import { QuickBooksCsvExport, QuickBooksCsvExportInput } from '../schema/quickbooks-csv-export.js';
import { CsvExportInputError } from '../services/csv-export/quickbooks-csv.js';
import { authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { badUserInput, hostUnavailable } from './errors.js';

@Resolver()
export class QuickBooksCsvExportResolver {
  @Mutation(() => QuickBooksCsvExport, {
    description:
      "The customer's finalized invoices of a window as files QuickBooks Online's import takes (invoices, the customers they name, warnings, invoices to enter by hand), zipped behind a short-lived link. Needs no connection. Admins only; BAD_USER_INPUT for a bad window or INCLUSIVE for a US company, HOST_UNAVAILABLE when the platform cannot be read",
  })
  async exportQuickBooksCsv(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('input', () => QuickBooksCsvExportInput) input: QuickBooksCsvExportInput,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksCsvExport> {
    const viewer = authorizeTenant(context, customerId, 'admin', 'export invoices for QuickBooks');
    try {
      return await context.services.csvExports.export(customerId, viewer.userId, input);
    } catch (error) {
      if (error instanceof CsvExportInputError) throw badUserInput(error.message, error.field);
      if (error instanceof HostInvoiceError) throw hostUnavailable(error.message, error.retryable);
      throw error;
    }
  }
}
