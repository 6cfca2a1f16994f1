import { GraphQLError } from 'graphql';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { MappingKind } from '../models/mapping-set.js';
import {
  QuickBooksMapping,
  QuickBooksMappingInput,
  QuickBooksMappingKind,
  QuickBooksMappingStatus,
  QuickBooksSettingsInput,
  QuickBooksSyncSettings,
} from '../schema/quickbooks-mappings.js';
import {
  MappingConflictError,
  MappingValidationError,
  type JudgedMapping,
} from '../services/mappings/mapping-service.js';
import type { QuickBooksSettings } from '../services/quickbooks-settings.js';
import { SettingsValidationError } from '../services/quickbooks-settings.js';
import { authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { withReferenceDataErrors } from './reference-data-errors.js';
import { badUserInput, conflict } from './errors.js';

/** Field by field, like the connection: nothing the service adds reaches clients unless mapped here. */
function toGraphQLMapping(mapping: JudgedMapping): QuickBooksMapping {
  return {
    kind: mapping.kind,
    sourceKey: mapping.sourceKey,
    targetId: mapping.targetId,
    targetName: mapping.targetName,
    status: QuickBooksMappingStatus[mapping.status],
    problem: mapping.status === 'BROKEN' ? mapping.problem : null,
    reason: mapping.status === 'BROKEN' ? mapping.reason : null,
    updatedAt: mapping.updatedAt,
    updatedBy: mapping.updatedBy,
  };
}

export function toGraphQLSettings(settings: QuickBooksSettings): QuickBooksSyncSettings {
  return {
    autoSync: settings.autoSync,
    existingInvoiceNumber: settings.existingInvoiceNumber,
    pullPayments: settings.pullPayments,
    taxDifferences: settings.taxDifferences,
    defaultTermsId: settings.defaultTermsId ?? null,
  };
}

/**
 * The service's typed failures as GraphQL errors. A refused write is one BAD_USER_INPUT: `field` names the
 * first offending input path, `problems` lists every one (`{ field, message }`), the message says it all.
 */
function toGraphQLError(error: unknown): unknown {
  if (error instanceof MappingValidationError) {
    const first = badUserInput(error.message, error.problems[0]?.field);
    const problems = error.problems.map(({ field, message }) => ({ field, message }));
    return new GraphQLError(first.message, { extensions: { ...first.extensions, problems } });
  }
  if (error instanceof SettingsValidationError) return badUserInput(error.message, error.field);
  if (error instanceof MappingConflictError) return conflict();
  return undefined;
}

/** A customer's mappings (members read them) and sync settings; changes are for its admins. */
@Resolver()
export class QuickBooksMappingsResolver {
  @Query(() => [QuickBooksMapping], {
    nullable: true,
    description:
      "This customer's mappings, each judged against the QuickBooks company as last read (refreshQuickBooksReferenceData to see recent changes): a target deleted, made inactive, of the wrong type, or in another company than the one connected reads as BROKEN. Any member; null with FORBIDDEN otherwise",
  })
  quickbooksMappings(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksMapping[]> {
    authorizeTenant(context, customerId, 'member');
    return withGraphQLErrors(async () =>
      (await context.services.mappings.list(customerId)).map(toGraphQLMapping),
    );
  }

  @Mutation(() => QuickBooksMapping, {
    description:
      'Adds or replaces one mapping (by kind and source key) after checking it against the QuickBooks company: BAD_USER_INPUT naming `input.sourceKey` or `input.targetId` and why. Admins of the customer only',
  })
  setQuickBooksMapping(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('input', () => QuickBooksMappingInput) input: QuickBooksMappingInput,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksMapping> {
    const viewer = authorizeTenant(context, customerId, 'admin', 'change QuickBooks mappings');
    return withGraphQLErrors(async () => {
      try {
        const [saved] = await context.services.mappings.set(customerId, viewer.userId, [input]);
        return toGraphQLMapping(saved!);
      } catch (error) {
        // One entry: its problems are about `input`, not `entries[0]`.
        if (error instanceof MappingValidationError) {
          throw new MappingValidationError(
            error.problems.map((problem) => ({
              ...problem,
              field: problem.field.replace(/^entries\[0\]/, 'input'),
            })),
          );
        }
        throw error;
      }
    });
  }

  @Mutation(() => [QuickBooksMapping], {
    description:
      'Adds or replaces several mappings at once, all or nothing: every entry is checked first, and one invalid entry saves none (BAD_USER_INPUT; `extensions.problems` lists each bad entry as `entries[i].field` and why). Admins of the customer only',
  })
  setQuickBooksMappings(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('entries', () => [QuickBooksMappingInput]) entries: QuickBooksMappingInput[],
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksMapping[]> {
    const viewer = authorizeTenant(context, customerId, 'admin', 'change QuickBooks mappings');
    if (entries.length === 0) throw badUserInput('entries is empty: give at least one mapping', 'entries');
    return withGraphQLErrors(async () =>
      (await context.services.mappings.set(customerId, viewer.userId, entries)).map(toGraphQLMapping),
    );
  }

  @Mutation(() => Boolean, {
    description:
      'Removes one mapping; false when there was none (so removing twice is harmless). Admins of the customer only',
  })
  removeQuickBooksMapping(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('kind', () => QuickBooksMappingKind) kind: MappingKind,
    @Arg('sourceKey', () => String) sourceKey: string,
    @Ctx() context: GraphQLContext,
  ): Promise<boolean> {
    const viewer = authorizeTenant(context, customerId, 'admin', 'change QuickBooks mappings');
    return withGraphQLErrors(() =>
      context.services.mappings.remove(customerId, viewer.userId, kind, sourceKey),
    );
  }

  @Mutation(() => QuickBooksSyncSettings, {
    description:
      "Changes this customer's QuickBooks sync settings; fields left out keep their value. A default terms id must be an active Term of the connected company (BAD_USER_INPUT otherwise). Every change is written to the audit log. Admins of the customer only",
  })
  updateQuickBooksSettings(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('input', () => QuickBooksSettingsInput) input: QuickBooksSettingsInput,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksSyncSettings> {
    const viewer = authorizeTenant(context, customerId, 'admin', 'change QuickBooks settings');
    return withGraphQLErrors(async () => {
      const settings = await context.services.quickbooksSettings.update(customerId, viewer.userId, {
        // A null boolean or choice means "leave it"; only defaultTermsId has a meaningful null (clear).
        ...(input.autoSync != null ? { autoSync: input.autoSync } : {}),
        ...(input.existingInvoiceNumber != null
          ? { existingInvoiceNumber: input.existingInvoiceNumber }
          : {}),
        ...(input.pullPayments != null ? { pullPayments: input.pullPayments } : {}),
        ...(input.taxDifferences != null ? { taxDifferences: input.taxDifferences } : {}),
        ...(input.defaultTermsId !== undefined ? { defaultTermsId: input.defaultTermsId } : {}),
      });
      context.loaders.connection.clear(customerId);
      return toGraphQLSettings(settings);
    });
  }
}

const withGraphQLErrors = <T>(run: () => Promise<T>): Promise<T> =>
  withReferenceDataErrors(run, toGraphQLError);
