import { Field, Float, ID, Int, ObjectType, registerEnumType, type ClassType } from 'type-graphql';

/**
 * What the settings panel shows of the connected QuickBooks company. Lists are plain lists, not Relay
 * connections: they are bounded by the company (its chart of accounts, items, tax codes, classes and payment
 * terms), read whole from QuickBooks and cached whole, and the mapping pickers need all of them at once.
 */
const WHOLE_LIST =
  'The whole list, inactive entries included (see `active`), as of the cached read: a list bounded by the QuickBooks company, so it is not paged';

export enum QuickBooksTaxModel {
  US = 'US',
  NON_US = 'NON_US',
}

registerEnumType(QuickBooksTaxModel, {
  name: 'QuickBooksTaxModel',
  description: 'How the company taxes invoices',
  valuesConfig: {
    US: {
      description:
        'US: lines are TAX or NON, and the invoice names one tax code (or Automated Sales Tax computes it)',
    },
    NON_US: { description: 'Everywhere else: every line carries its own tax code' },
  },
});

@ObjectType({ description: "A change of the company's automated sales tax between two reads" })
export class QuickBooksTaxSetupChange {
  @Field(() => String, { description: 'ON, NOT_SET_UP or OFF' })
  from!: string;

  @Field(() => String, { description: 'ON, NOT_SET_UP or OFF' })
  to!: string;

  @Field(() => Date, { description: 'When the read saw it' })
  seenAt!: Date;
}

@ObjectType({ description: 'A QuickBooks account (chart of accounts)' })
export class QuickBooksAccount {
  @Field(() => ID, { description: "QuickBooks's Id" })
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'With parent accounts, `Parent:Child`' })
  fullyQualifiedName!: string;

  @Field(() => String, { description: "Intuit's AccountType, e.g. `Income`, `Bank`, `Other Current Asset`" })
  accountType!: string;

  @Field(() => String, { nullable: true, description: "Intuit's AccountSubType, e.g. `ServiceFeeIncome`" })
  accountSubType?: string;

  @Field(() => Boolean, { description: 'False when made inactive in QuickBooks: a mapping to it is broken' })
  active!: boolean;
}

@ObjectType({ description: 'A QuickBooks product or service' })
export class QuickBooksItem {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  fullyQualifiedName!: string;

  @Field(() => String, { nullable: true })
  sku?: string;

  @Field(() => String, {
    description: "Intuit's Type: `Service`, `NonInventory`, `Inventory`, `Group`, `Category`",
  })
  type!: string;

  @Field(() => Boolean)
  active!: boolean;

  @Field(() => Boolean, {
    description: 'Whether an invoice line may use it: not a Category, and it posts to an income account',
  })
  sellable!: boolean;

  @Field(() => ID, { nullable: true })
  incomeAccountId?: string;

  @Field(() => Float, { nullable: true })
  unitPrice?: number;

  @Field(() => Boolean, { nullable: true, description: 'US companies only' })
  taxable?: boolean;
}

@ObjectType({ description: 'One QuickBooks tax rate a tax code applies' })
export class QuickBooksTaxRate {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Float, { description: 'Percent, as QuickBooks reports it: 7.25 for 7.25 %' })
  ratePercent!: number;
}

@ObjectType({ description: 'A QuickBooks tax code, with the sales rates it applies' })
export class QuickBooksTaxCode {
  @Field(() => ID, { description: 'US companies also have the line codes `TAX` and `NON`' })
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Boolean)
  active!: boolean;

  @Field(() => Boolean, {
    description: 'Whether a sale may use it: it has sales rates, or it is the US line code TAX or NON',
  })
  usableOnSales!: boolean;

  @Field(() => Boolean)
  taxable!: boolean;

  @Field(() => [QuickBooksTaxRate], { description: 'The sales rates; their sum is the effective rate' })
  salesRates!: QuickBooksTaxRate[];
}

@ObjectType({ description: 'A QuickBooks class (used for business units)' })
export class QuickBooksClass {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  fullyQualifiedName!: string;

  @Field(() => Boolean)
  active!: boolean;
}

@ObjectType({
  description:
    "A QuickBooks payment term (e.g. `Net 30`): how an invoice's due date is set. `updateQuickBooksSettings` takes an active one's id as `defaultTermsId`",
})
export class QuickBooksTerm {
  @Field(() => ID, { description: "QuickBooks's Id: the value of `defaultTermsId`" })
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Boolean, { description: 'False when made inactive in QuickBooks: it cannot be the default' })
  active!: boolean;

  @Field(() => Int, {
    nullable: true,
    description:
      'Days from the invoice date to the due date (`Net 30`: 30); null for a term due on a day of the month',
  })
  dueDays!: number | null;
}

@ObjectType({ description: 'The company settings that change how invoices are built in QuickBooks' })
export class QuickBooksCompanyFacts {
  @Field(() => String, { description: "Intuit's company id" })
  realmId!: string;

  @Field(() => Date, { description: 'When these facts were read from QuickBooks' })
  asOf!: Date;

  @Field(() => String)
  companyName!: string;

  @Field(() => String, { description: 'Country code as QuickBooks reports it, e.g. `US`, `CA`, `GB`' })
  country!: string;

  @Field(() => QuickBooksTaxModel)
  taxModel!: QuickBooksTaxModel;

  @Field(() => Boolean, { description: 'Automated Sales Tax: QuickBooks computes tax itself (US only)' })
  automatedSalesTax!: boolean;

  @Field(() => String, {
    description:
      'Automated sales tax as QuickBooks reports it: ON (set up), NOT_SET_UP (on, but no sales tax set up: QuickBooks charges none and keeps none we send) or OFF',
  })
  automatedSalesTaxState!: string;

  @Field(() => Boolean, {
    description: 'Whether the company uses sales tax; when false QuickBooks drops any tax on invoices',
  })
  usingSalesTax!: boolean;

  @Field(() => QuickBooksTaxSetupChange, {
    nullable: true,
    description:
      "The last change of the company's automated sales tax seen by a read of its settings: pushes since then may be taxed differently",
  })
  taxSetupChange?: QuickBooksTaxSetupChange | null;

  @Field(() => Boolean, {
    description: 'Custom transaction numbers: whether invoices keep the numbers we send',
  })
  customTxnNumbers!: boolean;

  @Field(() => String, { description: 'ISO 4217 code, e.g. `USD`' })
  homeCurrency!: string;

  @Field(() => Boolean)
  multiCurrencyEnabled!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      'The books are closed up to this date (yyyy-MM-dd): earlier invoices cannot be created or changed',
  })
  bookCloseDate?: string;
}

/**
 * `{ asOf, nodes }` for one reference list: `class QuickBooksItemList extends ReferenceList(QuickBooksItem) {}`.
 * An abstract class, as in connection.ts: type-graphql emits only the concrete subclasses.
 */
function ReferenceList<TNode extends object>(nodeType: ClassType<TNode>) {
  @ObjectType()
  abstract class ReferenceListType {
    @Field(() => Date, {
      description: 'When this was read from QuickBooks; refreshQuickBooksReferenceData reads again',
    })
    asOf!: Date;

    @Field(() => [nodeType])
    nodes!: TNode[];
  }
  return ReferenceListType;
}

@ObjectType({ description: `QuickBooks accounts. ${WHOLE_LIST}` })
export class QuickBooksAccountList extends ReferenceList(QuickBooksAccount) {}

@ObjectType({ description: `QuickBooks products and services. ${WHOLE_LIST}` })
export class QuickBooksItemList extends ReferenceList(QuickBooksItem) {}

@ObjectType({ description: `QuickBooks tax codes with their rates. ${WHOLE_LIST}` })
export class QuickBooksTaxCodeList extends ReferenceList(QuickBooksTaxCode) {}

@ObjectType({ description: `QuickBooks classes. ${WHOLE_LIST}` })
export class QuickBooksClassList extends ReferenceList(QuickBooksClass) {}

@ObjectType({ description: `QuickBooks payment terms. ${WHOLE_LIST}` })
export class QuickBooksTermList extends ReferenceList(QuickBooksTerm) {}

@ObjectType({ description: 'What a fresh read of the QuickBooks company found' })
export class RefreshQuickBooksReferenceDataPayload {
  @Field(() => Date, { description: 'When the company was read; every reference list now shows this `asOf`' })
  asOf!: Date;

  @Field(() => Int)
  accountCount!: number;

  @Field(() => Int)
  itemCount!: number;

  @Field(() => Int)
  taxCodeCount!: number;

  @Field(() => Int)
  classCount!: number;

  @Field(() => Int)
  termCount!: number;
}
