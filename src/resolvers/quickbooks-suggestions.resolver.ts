import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { QuickBooksMappingReadiness, QuickBooksMappingSuggestion } from '../schema/quickbooks-suggestions.js';
import { HostReadError } from '../services/mappings/status.js';
import { authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { withReferenceDataErrors } from './reference-data-errors.js';
import { badUserInput, hostUnavailable, unauthenticated } from './errors.js';

const MAX_SOURCE_KEYS = 100;
const NULL_ON_ERROR =
  'Null with FORBIDDEN for a customer the token does not name, QUICKBOOKS_NOT_CONNECTED, QUICKBOOKS_REAUTH_REQUIRED, QUICKBOOKS_UNAVAILABLE, or HOST_UNAVAILABLE when the invoices cannot be read';

/** What the settings panel needs before the first sync: what is missing, and what might fill it. */
@Resolver()
export class QuickBooksSuggestionsResolver {
  @Query(() => QuickBooksMappingReadiness, {
    nullable: true,
    description: `Whether this customer's invoices can sync: the item kinds, service codes and tax rates they use (read from the platform with the caller's token) that have no mapping, or a broken one ("3 items need mapping before sync can start"). A service code's mapping covers its lines, otherwise the kind's must exist; tax rates need a tax code mapping unless the company uses Automated Sales Tax. Any member. ${NULL_ON_ERROR}`,
  })
  async quickbooksMappingStatus(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksMappingReadiness> {
    authorizeTenant(context, customerId, 'member');
    const token = requireBearer(context);
    return withGraphQLErrors(() => context.services.mappingStatus.status(customerId, token));
  }

  @Query(() => [QuickBooksMappingSuggestion], {
    nullable: true,
    description: `Ranked QuickBooks candidates for platform keys, with a score and the reasons. Never applied: an admin maps with setQuickBooksMapping. Without sourceKeys: every key the invoices need that has no working mapping, their unmapped service codes, and the unmapped item kinds. Any member. ${NULL_ON_ERROR}`,
  })
  async quickbooksMappingSuggestions(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('sourceKeys', () => [String], {
      nullable: true,
      description: `Only these keys (at most ${MAX_SOURCE_KEYS}), e.g. one row of the mapping table; the invoices are then not read`,
    })
    sourceKeys: string[] | null | undefined,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksMappingSuggestion[]> {
    authorizeTenant(context, customerId, 'member');
    if (sourceKeys && sourceKeys.length > MAX_SOURCE_KEYS) {
      throw badUserInput(`sourceKeys takes at most ${MAX_SOURCE_KEYS} keys`, 'sourceKeys');
    }
    const token = sourceKeys ? '' : requireBearer(context);
    return withGraphQLErrors(() =>
      context.services.mappingStatus.suggestions(customerId, token, sourceKeys ?? undefined),
    );
  }
}

/** The host is read as the caller: a caller without a bearer token (none here) cannot be forwarded. */
function requireBearer(context: GraphQLContext): string {
  if (!context.bearerToken) throw unauthenticated();
  return context.bearerToken;
}

/** The host read's own failure; reference-data failures are translated by withReferenceDataErrors. */
function hostReadError(error: unknown): unknown {
  return error instanceof HostReadError ? hostUnavailable(undefined, error.retryable) : undefined;
}

const withGraphQLErrors = <T>(run: () => Promise<T>): Promise<T> =>
  withReferenceDataErrors(run, hostReadError);
