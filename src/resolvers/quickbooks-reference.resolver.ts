import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import {
  QuickBooksAccountList,
  QuickBooksClassList,
  QuickBooksCompanyFacts,
  QuickBooksItemList,
  QuickBooksTaxCodeList,
  QuickBooksTaxModel,
  QuickBooksTermList,
  RefreshQuickBooksReferenceDataPayload,
} from '../schema/quickbooks-reference.js';
import { astStateOf, type ReferenceSnapshot } from '../services/reference-data/types.js';
import { authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { withReferenceDataErrors } from './reference-data-errors.js';
import { badUserInput } from './errors.js';

/** Intuit's AccountType values (Account reference, research note §6.4): a typo is refused, not matched to nothing. */
const ACCOUNT_TYPES: ReadonlySet<string> = new Set([
  'Bank',
  'Other Current Asset',
  'Fixed Asset',
  'Other Asset',
  'Accounts Receivable',
  'Equity',
  'Expense',
  'Other Expense',
  'Cost of Goods Sold',
  'Accounts Payable',
  'Credit Card',
  'Long Term Liability',
  'Other Current Liability',
  'Income',
  'Other Income',
]);

const NULL_ON_ERROR =
  'Null with FORBIDDEN for a customer the token does not name, QUICKBOOKS_NOT_CONNECTED, QUICKBOOKS_REAUTH_REQUIRED, or QUICKBOOKS_UNAVAILABLE when QuickBooks cannot be read and nothing is cached';

/** The reference data of a customer's QuickBooks company: any member reads it, admins refresh it. */
@Resolver()
export class QuickBooksReferenceResolver {
  @Query(() => QuickBooksAccountList, {
    nullable: true,
    description: `The connected company's accounts, optionally only those of some AccountTypes. Cached: reading it costs no QuickBooks request once read. Any member. ${NULL_ON_ERROR}`,
  })
  async quickbooksAccounts(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('types', () => [String], {
      nullable: true,
      description: 'Intuit\'s AccountType values to keep, e.g. ["Income"]; all accounts when absent',
    })
    types: string[] | null | undefined,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksAccountList> {
    const unknown = (types ?? []).filter((type) => !ACCOUNT_TYPES.has(type));
    if (unknown.length > 0) {
      throw badUserInput(
        `Unknown QuickBooks account type ${JSON.stringify(unknown[0])}; use Intuit's AccountType, e.g. "Income"`,
        'types',
      );
    }
    const snapshot = await readSnapshot(context, customerId);
    const wanted = types ? new Set(types) : undefined;
    return {
      asOf: snapshot.asOf,
      nodes: snapshot.accounts.filter((account) => !wanted || wanted.has(account.accountType)),
    };
  }

  @Query(() => QuickBooksItemList, {
    nullable: true,
    description: `The connected company's products and services. Any member. ${NULL_ON_ERROR}`,
  })
  async quickbooksItems(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksItemList> {
    const snapshot = await readSnapshot(context, customerId);
    return { asOf: snapshot.asOf, nodes: snapshot.items };
  }

  @Query(() => QuickBooksTaxCodeList, {
    nullable: true,
    description: `The connected company's tax codes with their sales rates. Any member. ${NULL_ON_ERROR}`,
  })
  async quickbooksTaxCodes(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksTaxCodeList> {
    const snapshot = await readSnapshot(context, customerId);
    return { asOf: snapshot.asOf, nodes: snapshot.taxCodes };
  }

  @Query(() => QuickBooksClassList, {
    nullable: true,
    description: `The connected company's classes. Any member. ${NULL_ON_ERROR}`,
  })
  async quickbooksClasses(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksClassList> {
    const snapshot = await readSnapshot(context, customerId);
    return { asOf: snapshot.asOf, nodes: snapshot.classes };
  }

  @Query(() => QuickBooksTermList, {
    nullable: true,
    description: `The connected company's payment terms, to choose the default terms from (\`updateQuickBooksSettings\` takes an active one's id as \`defaultTermsId\`). Any member. ${NULL_ON_ERROR}`,
  })
  async quickbooksTerms(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksTermList> {
    const snapshot = await readSnapshot(context, customerId);
    return { asOf: snapshot.asOf, nodes: snapshot.terms };
  }

  @Query(() => QuickBooksCompanyFacts, {
    nullable: true,
    description: `The connected company's settings that matter to sync: tax model, Automated Sales Tax, custom transaction numbers, home currency, closing date. Any member. ${NULL_ON_ERROR}`,
  })
  async quickbooksCompanyFacts(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksCompanyFacts> {
    const snapshot = await readSnapshot(context, customerId);
    const { facts } = snapshot;
    return {
      realmId: snapshot.realmId,
      asOf: snapshot.asOf,
      companyName: facts.companyName,
      country: facts.country,
      taxModel: facts.taxModel === 'US' ? QuickBooksTaxModel.US : QuickBooksTaxModel.NON_US,
      automatedSalesTax: facts.automatedSalesTax,
      automatedSalesTaxState: astStateOf(facts),
      usingSalesTax: facts.usingSalesTax !== false,
      taxSetupChange: facts.taxSetupChange ?? null,
      customTxnNumbers: facts.customTxnNumbers,
      homeCurrency: facts.homeCurrency,
      multiCurrencyEnabled: facts.multiCurrencyEnabled,
      bookCloseDate: facts.bookCloseDate,
    };
  }

  @Mutation(() => RefreshQuickBooksReferenceDataPayload, {
    description:
      "Reads the connected company's accounts, items, tax codes, classes, payment terms and settings from QuickBooks again and replaces the cached copy (a handful of QuickBooks requests). Admins of the customer only (FORBIDDEN otherwise); QUICKBOOKS_NOT_CONNECTED, QUICKBOOKS_REAUTH_REQUIRED or QUICKBOOKS_UNAVAILABLE when the company cannot be read (the cached copy is then kept)",
  })
  async refreshQuickBooksReferenceData(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<RefreshQuickBooksReferenceDataPayload> {
    authorizeTenant(context, customerId, 'admin', 'refresh the QuickBooks reference data');
    const snapshot = await withReferenceDataErrors(() => context.services.referenceData.refresh(customerId));
    return {
      asOf: snapshot.asOf,
      accountCount: snapshot.accounts.length,
      itemCount: snapshot.items.length,
      taxCodeCount: snapshot.taxCodes.length,
      classCount: snapshot.classes.length,
      termCount: snapshot.terms.length,
    };
  }
}

function readSnapshot(context: GraphQLContext, customerId: string): Promise<ReferenceSnapshot> {
  authorizeTenant(context, customerId, 'member');
  return withReferenceDataErrors(() => context.services.referenceData.get(customerId));
}
