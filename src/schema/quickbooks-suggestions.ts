import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { MappingKind } from '../models/mapping-set.js';
import { SUGGESTION_REASONS, type SuggestionReason } from '../services/mappings/suggestions.js';
import { QuickBooksMappingKind } from './quickbooks-mappings.js';

export const QuickBooksSuggestionReason = Object.fromEntries(SUGGESTION_REASONS.map((r) => [r, r])) as {
  readonly [R in SuggestionReason]: R;
};
registerEnumType(QuickBooksSuggestionReason, {
  name: 'QuickBooksSuggestionReason',
  description: 'Why a QuickBooks object is proposed for a platform key',
  valuesConfig: {
    EXACT_NAME: { description: 'The names are identical' },
    SKU: { description: "The service code equals the item's SKU (case and surrounding spaces ignored)" },
    SAME_RATE: { description: "The tax code's sales rates add up to the platform's rate" },
    NORMALISED_NAME: {
      description:
        'The names hold the same words once case, punctuation, accents, plurals and common abbreviations (Svc, Labour, Hrs, Matl, …) are set aside',
    },
    TOKEN_OVERLAP: {
      description: 'The names share some words or letter sequences: a weaker hint, check it',
    },
  },
});

@ObjectType({
  description: 'A QuickBooks object proposed for a platform key; applied only by a mapping mutation',
})
export class QuickBooksMappingCandidate {
  @Field(() => ID, { description: "The QuickBooks object's Id, as `setQuickBooksMapping` takes it" })
  targetId!: string;

  @Field(() => String)
  targetName!: string;

  @Field(() => Float, { description: '0-1; compare only within one platform key' })
  score!: number;

  @Field(() => [QuickBooksSuggestionReason], { description: 'Strongest first' })
  reasons!: SuggestionReason[];
}

@ObjectType({ description: 'Candidates for one platform key, best first' })
export class QuickBooksMappingSuggestion {
  @Field(() => String, {
    description: 'e.g. `ITEM_KIND:LABOR`, `SERVICE_CODE:HVAC-MAINT`, `TAX_RATE:0.0725`',
  })
  sourceKey!: string;

  @Field(() => [QuickBooksMappingCandidate], {
    description: 'Empty when nothing in the company resembles it',
  })
  candidates!: QuickBooksMappingCandidate[];
}

@ObjectType({ description: "A platform key this customer's invoices use that has no mapping" })
export class QuickBooksUnmappedKey {
  @Field(() => QuickBooksMappingKind)
  kind!: MappingKind;

  @Field(() => String)
  sourceKey!: string;

  @Field(() => Int, { description: 'How many invoices have a line needing it' })
  invoiceCount!: number;
}

@ObjectType({ description: 'A mapping the invoices need whose QuickBooks target no longer works' })
export class QuickBooksBrokenKey extends QuickBooksUnmappedKey {
  @Field(() => ID)
  targetId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Why it is broken (deleted, inactive, another company…)',
  })
  reason?: string;
}

@ObjectType({
  description:
    "Whether this customer's invoices can sync: every item kind, service code and tax rate they use is mapped to something that works",
})
export class QuickBooksMappingReadiness {
  @Field(() => Boolean)
  ready!: boolean;

  @Field(() => [QuickBooksUnmappedKey], { description: 'Most used first' })
  unmapped!: QuickBooksUnmappedKey[];

  @Field(() => [QuickBooksBrokenKey], { description: 'Most used first' })
  broken!: QuickBooksBrokenKey[];
}
