import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import {
  EXISTING_INVOICE_NUMBER_ACTIONS,
  TAX_DIFFERENCE_POLICIES,
  type ExistingInvoiceNumberAction,
  type TaxDifferencePolicy,
} from '../models/customer.js';
import { MAPPING_KINDS, type MappingKind } from '../models/mapping-set.js';
import { TARGET_PROBLEMS, type TargetProblem } from '../services/mappings/rules.js';

const enumOf = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value, value])) as { [K in T]: K };

export const QuickBooksMappingKind = enumOf(MAPPING_KINDS);
registerEnumType(QuickBooksMappingKind, {
  name: 'QuickBooksMappingKind',
  description: 'What a mapping points at in QuickBooks; each kind has its own source key syntax',
  valuesConfig: {
    ITEM: {
      description:
        'An Item that can be sold. Keys `ITEM_KIND:<SERVICE|MATERIAL|LABOR|FEE>` or `SERVICE_CODE:<code>` (a service code wins over its kind)',
    },
    TAX_CODE: {
      description:
        'A TaxCode usable on sales. Key `TAX_RATE:<rate as a canonical fraction, e.g. 0.0725>`. Not used on companies with Automated Sales Tax',
    },
    CLASS: { description: 'An active Class. Key `BUSINESS_UNIT:<business unit id>`' },
    INCOME_ACCOUNT: { description: 'The Income account of items the sync creates. Key `INCOME_ACCOUNT`' },
    DEPOSIT_ACCOUNT: {
      description:
        'Where pulled payments are deposited: a Bank account or Undeposited Funds. Key `DEPOSIT_ACCOUNT`',
    },
  },
});

export enum QuickBooksMappingStatus {
  OK = 'OK',
  BROKEN = 'BROKEN',
}
registerEnumType(QuickBooksMappingStatus, {
  name: 'QuickBooksMappingStatus',
  description: 'Whether a mapping can be used with the company as last read (refresh to see recent changes)',
});

export const QuickBooksMappingProblem = enumOf(TARGET_PROBLEMS);
registerEnumType(QuickBooksMappingProblem, {
  name: 'QuickBooksMappingProblem',
  description: 'Why a mapping is BROKEN',
  valuesConfig: {
    TARGET_MISSING: { description: 'The QuickBooks object no longer exists (or never did in this company)' },
    TARGET_INACTIVE: { description: 'The QuickBooks object was made inactive' },
    WRONG_TYPE: { description: 'The QuickBooks object is not of a type this kind of mapping accepts' },
    NOT_APPLICABLE: {
      description: 'The company does not use this kind of mapping (tax rates under Automated Sales Tax)',
    },
    OTHER_COMPANY: {
      description: 'The mapping was made for another QuickBooks company than the one connected now',
    },
  },
});

export const QuickBooksExistingInvoiceNumber = enumOf(EXISTING_INVOICE_NUMBER_ACTIONS);
registerEnumType(QuickBooksExistingInvoiceNumber, {
  name: 'QuickBooksExistingInvoiceNumber',
  description:
    'What the sync does when an invoice number already exists in QuickBooks (an invoice made there directly)',
  valuesConfig: {
    LINK: { description: 'Link the platform invoice to the existing QuickBooks invoice; nothing is pushed' },
    SUFFIX: { description: 'Push the invoice with a suffix added to its number' },
    STOP: { description: 'Stop and ask: the invoice fails with a message until an admin decides (default)' },
  },
});

export const QuickBooksTaxDifferencePolicy = enumOf(TAX_DIFFERENCE_POLICIES);
registerEnumType(QuickBooksTaxDifferencePolicy, {
  name: 'QuickBooksTaxDifferencePolicy',
  description:
    "What a push does when QuickBooks' tax would differ from the tax the platform billed (automated sales tax, rounding, sales tax turned off in QuickBooks)",
  valuesConfig: {
    OVERRIDE: {
      description:
        "Send the platform's tax so QuickBooks keeps it (default); if QuickBooks still charges another, the invoice is SYNCED_WITH_DIFFERENCES",
    },
    ACCEPT: {
      description: 'Let QuickBooks compute the tax; a difference makes the invoice SYNCED_WITH_DIFFERENCES',
    },
    STOP: {
      description:
        'Let QuickBooks compute the tax; a difference makes the invoice ACTION_REQUIRED until an admin decides',
    },
  },
});

@ObjectType({ description: 'One platform concept mapped onto a QuickBooks object' })
export class QuickBooksMapping {
  @Field(() => QuickBooksMappingKind)
  kind!: MappingKind;

  @Field(() => String, { description: 'The platform side, e.g. `ITEM_KIND:LABOR`, `TAX_RATE:0.0725`' })
  sourceKey!: string;

  @Field(() => ID, { description: "The QuickBooks object's Id" })
  targetId!: string;

  @Field(() => String, { description: "The QuickBooks object's name when the mapping was made" })
  targetName!: string;

  @Field(() => QuickBooksMappingStatus)
  status!: QuickBooksMappingStatus;

  @Field(() => QuickBooksMappingProblem, { nullable: true, description: 'Why it is BROKEN; null when OK' })
  problem?: TargetProblem | null;

  @Field(() => String, {
    nullable: true,
    description: 'What is wrong, in words an admin can act on; null when OK',
  })
  reason?: string | null;

  @Field(() => Date)
  updatedAt!: Date;

  @Field(() => String, { description: 'The user id of the admin who set it' })
  updatedBy!: string;
}

@InputType({ description: 'A mapping to add or replace (by kind and source key)' })
export class QuickBooksMappingInput {
  @Field(() => QuickBooksMappingKind)
  kind!: MappingKind;

  @Field(() => String)
  sourceKey!: string;

  @Field(() => ID)
  targetId!: string;
}

@ObjectType({ description: "How this customer's QuickBooks sync behaves" })
export class QuickBooksSyncSettings {
  @Field(() => Boolean, { description: 'Push invoices automatically when they change (default true)' })
  autoSync!: boolean;

  @Field(() => QuickBooksExistingInvoiceNumber)
  existingInvoiceNumber!: ExistingInvoiceNumberAction;

  @Field(() => Boolean, {
    description: 'Pull payments recorded in QuickBooks back to the platform (default true)',
  })
  pullPayments!: boolean;

  @Field(() => QuickBooksTaxDifferencePolicy)
  taxDifferences!: TaxDifferencePolicy;

  @Field(() => ID, {
    nullable: true,
    description:
      'The QuickBooks Term Id put on pushed invoices that carry no terms of their own; null for the company default',
  })
  defaultTermsId?: string | null;
}

@InputType({ description: 'Settings to change; fields left out keep their value' })
export class QuickBooksSettingsInput {
  @Field(() => Boolean, { nullable: true })
  autoSync?: boolean | null;

  @Field(() => QuickBooksExistingInvoiceNumber, { nullable: true })
  existingInvoiceNumber?: ExistingInvoiceNumberAction | null;

  @Field(() => Boolean, { nullable: true })
  pullPayments?: boolean | null;

  @Field(() => QuickBooksTaxDifferencePolicy, { nullable: true })
  taxDifferences?: TaxDifferencePolicy | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'An active Term of the connected company; explicit null clears it (a company must be connected to set one)',
  })
  defaultTermsId?: string | null;
}
