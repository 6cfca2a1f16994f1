import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { MappingKind } from '../models/mapping-set.js';
import {
  PREVIEW_PROBLEM_CODES,
  type PreviewCustomer,
  type PreviewProblemCode,
} from '../services/invoice-preview.js';
import {
  BUILD_PROBLEM_CODES,
  type BuildProblemCode,
  type QuickBooksInvoicePayload,
} from '../sync/build-invoice.js';
import type { TaxDifferencePolicy } from '../models/customer.js';
import type { TaxParityRisk } from '../sync/tax-parity.js';
import { QuickBooksMappingKind, QuickBooksTaxDifferencePolicy } from './quickbooks-mappings.js';

type ProblemCode = BuildProblemCode | PreviewProblemCode;

export const QuickBooksPreviewProblemCode = Object.fromEntries(
  [...BUILD_PROBLEM_CODES, ...PREVIEW_PROBLEM_CODES].map((code) => [code, code]),
) as { [K in ProblemCode]: K };
registerEnumType(QuickBooksPreviewProblemCode, {
  name: 'QuickBooksPreviewProblemCode',
  description: 'Why an invoice cannot be pushed as it stands; each needs a person, a retry alone never helps',
  valuesConfig: {
    INVOICE_NOT_FINALIZED: { description: 'Only finalized invoices go to QuickBooks' },
    NO_LINES: { description: 'QuickBooks needs at least one line' },
    MAPPING_MISSING: { description: '`sourceKey` has no mapping: map it (`mappingKind` says to what)' },
    MAPPING_BROKEN: { description: "`sourceKey`'s mapping no longer works in QuickBooks: map it again" },
    BOOKS_CLOSED: { description: 'The invoice date is on or before the QuickBooks closing date' },
    CURRENCY_NOT_ENABLED: { description: "The invoice's currency needs multicurrency on in QuickBooks" },
    UNREADABLE_AMOUNT: { description: 'A quantity, price, amount or rate is not a usable decimal' },
    LINE_AMOUNT_MISMATCH: {
      description: 'A line amount is not quantity × unit price; QuickBooks would refuse it',
    },
    HOST_TOTALS_MISMATCH: { description: "The platform's totals are not the sums of its lines" },
    US_MIXED_TAX_RATES: { description: 'A US invoice carries one sales tax rate; the lines use several' },
    DOC_NUMBER_TOO_LONG: { description: "The invoice number is longer than QuickBooks' 21 characters" },
    MEMO_TOO_LONG: { description: 'The memo is longer than QuickBooks prints' },
    TAX_CODE_RATE_MISMATCH: { description: "The mapped tax code's rate is not the invoice's rate" },
    BILL_TO_MISSING: { description: 'The invoice has no bill-to party, so no QuickBooks customer to bill' },
  },
});

export enum QuickBooksPreviewCustomerResolution {
  LINKED = 'LINKED',
  PENDING = 'PENDING',
  UNLINKED = 'UNLINKED',
  NONE = 'NONE',
}
registerEnumType(QuickBooksPreviewCustomerResolution, {
  name: 'QuickBooksPreviewCustomerResolution',
  description: "How the invoice's bill-to party becomes the QuickBooks customer (CustomerRef)",
  valuesConfig: {
    LINKED: { description: 'A stored link names the QuickBooks customer' },
    PENDING: { description: 'An earlier push started creating the customer; the push completes it' },
    UNLINKED: {
      description:
        'No link yet: the push uses a QuickBooks customer with the same e-mail, then the same name, or creates one',
    },
    NONE: { description: 'The invoice has no bill-to party' },
  },
});

@ObjectType({ description: 'One choice the push would make, with why' })
export class QuickBooksPreviewDecision {
  @Field(() => String, {
    description: 'Where it lands in the payload, e.g. `Line[1].SalesItemLineDetail.ItemRef`',
  })
  field!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The mapping key (or bill-to key) the choice came from',
  })
  sourceKey?: string;
}

@ObjectType({ description: 'A reason the invoice cannot be pushed as it stands' })
export class QuickBooksPreviewProblem {
  @Field(() => QuickBooksPreviewProblemCode)
  code!: ProblemCode;

  @Field(() => String)
  message!: string;

  @Field(() => String, { nullable: true, description: 'The mapping key to create or repair' })
  sourceKey?: string;

  @Field(() => QuickBooksMappingKind, { nullable: true })
  mappingKind?: MappingKind;

  @Field(() => ID, { nullable: true, description: 'The platform invoice line concerned' })
  lineId?: string;
}

@ObjectType({ description: 'The QuickBooks customer the invoice would be billed to' })
export class QuickBooksPreviewCustomer implements PreviewCustomer {
  @Field(() => QuickBooksPreviewCustomerResolution)
  resolution!: PreviewCustomer['resolution'];

  @Field(() => String, { nullable: true, description: "The bill-to party's key: `email:...` or `name:...`" })
  platformKey?: string;

  @Field(() => String, { nullable: true, description: 'The QuickBooks Customer Id, when linked' })
  quickbooksCustomerId?: string;

  @Field(() => String, {
    nullable: true,
    description: 'The DisplayName linked, or the one a create would send',
  })
  displayName?: string;
}

export const QuickBooksTaxParityRisk: { [K in TaxParityRisk]: K } = {
  NONE: 'NONE',
  LOW: 'LOW',
  HIGH: 'HIGH',
};

registerEnumType(QuickBooksTaxParityRisk, {
  name: 'QuickBooksTaxParityRisk',
  description: "How likely QuickBooks is to hold another tax than the platform's",
  valuesConfig: {
    NONE: { description: "QuickBooks will hold the platform's tax" },
    LOW: {
      description:
        "It should, on a condition this product cannot see (the destination's sales tax set up in QuickBooks), or it differs by rounding",
    },
    HIGH: { description: 'QuickBooks will not keep it: see `reasons` for what to change' },
  },
});

@ObjectType({
  description: 'Whether QuickBooks will keep the tax the platform billed, predicted before a push',
})
export class QuickBooksTaxParity {
  @Field(() => QuickBooksTaxParityRisk)
  risk!: TaxParityRisk;

  @Field(() => QuickBooksTaxDifferencePolicy, { description: 'The tax setting the push would run under' })
  policy!: TaxDifferencePolicy;

  @Field(() => String, { description: "The platform's tax, e.g. `27.72`" })
  platformTax!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "QuickBooks' tax as far as it can be predicted; null when it depends on QuickBooks' own tax tables",
  })
  expectedQuickBooksTax?: string | null;

  @Field(() => [String], { description: 'Why, in words an admin can act on' })
  reasons!: string[];
}

@ObjectType({
  description:
    'What a push of the invoice would send to QuickBooks now, computed by the push itself; nothing is written',
})
export class QuickBooksInvoicePreview {
  @Field(() => ID)
  invoiceId!: string;

  @Field(() => String)
  invoiceNumber!: string;

  @Field(() => Int, {
    description: 'The platform version previewed; a later version may give another payload',
  })
  invoiceVersion!: number;

  @Field(() => Boolean, { description: 'No blocking problem: a push would send `payload` as it is' })
  ready!: boolean;

  @Field(() => GraphQLJSONObject, {
    description:
      "The Invoice body as it would be sent (Intuit's field names). While the bill-to party is not linked, `CustomerRef.value` is `chosen-at-push`: the push fills in the customer it matches or creates",
  })
  payload!: QuickBooksInvoicePayload;

  @Field(() => QuickBooksTaxParity)
  taxParity!: QuickBooksTaxParity;

  @Field(() => QuickBooksPreviewCustomer)
  customer!: QuickBooksPreviewCustomer;

  @Field(() => [QuickBooksPreviewDecision])
  decisions!: QuickBooksPreviewDecision[];

  @Field(() => [QuickBooksPreviewProblem], { description: 'Empty when `ready`' })
  problems!: QuickBooksPreviewProblem[];
}
