import type {
  QuickBooksExistingInvoiceNumber,
  QuickBooksMappingKind,
  QuickBooksSuggestionReason,
  QuickBooksTaxDifferencePolicy,
} from '../../../generated/graphql';

/** What each kind of mapping points at, in words. */
export const KIND_LABEL: Record<QuickBooksMappingKind, string> = {
  ITEM: 'Item',
  TAX_CODE: 'Tax code',
  CLASS: 'Class',
  INCOME_ACCOUNT: 'Income account',
  DEPOSIT_ACCOUNT: 'Deposit account',
};

/** The QuickBooks list a picker of this kind offers, for its label ("QuickBooks item for …"). */
export const TARGET_NOUN: Record<QuickBooksMappingKind, string> = {
  ITEM: 'QuickBooks item',
  TAX_CODE: 'QuickBooks tax code',
  CLASS: 'QuickBooks class',
  INCOME_ACCOUNT: 'QuickBooks income account',
  DEPOSIT_ACCOUNT: 'QuickBooks deposit account',
};

const ITEM_KIND_LABEL: Record<string, string> = {
  SERVICE: 'Service',
  MATERIAL: 'Material',
  LABOR: 'Labor',
  FEE: 'Fee',
};

/**
 * A tax rate key's fraction as a percentage, by moving the decimal point as text ("0.0825" → "8.25"), so
 * no binary float turns 8.25 into 8.250000001.
 */
export function fractionToPercent(fraction: string): string {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(fraction);
  if (!match) return fraction;
  const integer = match[1] ?? '0';
  const digits = integer + (match[2] ?? '').padEnd(2, '0');
  const whole = digits.slice(0, integer.length + 2).replace(/^0+(?=\d)/, '');
  const decimals = digits.slice(integer.length + 2).replace(/0+$/, '');
  return decimals ? `${whole}.${decimals}` : whole;
}

/** A platform key in words: `ITEM_KIND:LABOR` → "Item kind: Labor", `TAX_RATE:0.0825` → "Tax rate 8.25 %". */
export function sourceKeyLabel(sourceKey: string): string {
  if (sourceKey === 'INCOME_ACCOUNT') return 'Income account for items the sync creates';
  if (sourceKey === 'DEPOSIT_ACCOUNT') return 'Deposit account for payments from QuickBooks';
  const colon = sourceKey.indexOf(':');
  const prefix = colon < 0 ? sourceKey : sourceKey.slice(0, colon);
  const value = colon < 0 ? '' : sourceKey.slice(colon + 1);
  switch (prefix) {
    case 'ITEM_KIND':
      return `Item kind: ${ITEM_KIND_LABEL[value] ?? value}`;
    case 'SERVICE_CODE':
      return `Service code ${value}`;
    case 'TAX_RATE':
      return `Tax rate ${fractionToPercent(value)} %`;
    case 'BUSINESS_UNIT':
      return `Business unit ${value}`;
    default:
      return sourceKey;
  }
}

/** Why a candidate is proposed, as the customer documentation words it. */
export const SUGGESTION_REASON_LABEL: Record<QuickBooksSuggestionReason, string> = {
  EXACT_NAME: 'exact name',
  SKU: 'the service code equals its SKU',
  SAME_RATE: 'same rate',
  NORMALISED_NAME: 'same words once case, plurals and abbreviations are set aside',
  TOKEN_OVERLAP: 'some words in common (a weaker hint: check it)',
};

/** A 0–1 score as a whole percentage. */
export function scorePercent(score: number): string {
  return `${Math.round(score * 100)} %`;
}

/** "3 items need mapping before sync can start", or the all-clear. */
export function readinessHeadline(count: number): string {
  if (count === 0) return 'Everything your invoices use is mapped';
  return `${count} ${count === 1 ? 'item needs' : 'items need'} mapping before sync can start`;
}

export const EXISTING_NUMBER_CHOICES: {
  value: QuickBooksExistingInvoiceNumber;
  label: string;
  help: string;
}[] = [
  {
    value: 'LINK',
    label: 'Link',
    help: 'Treat that QuickBooks invoice as this invoice’s copy and update it to match (its number stays).',
  },
  {
    value: 'SUFFIX',
    label: 'Suffix',
    help: 'Send it with the first free number from -2 to -9 added.',
  },
  {
    value: 'STOP',
    label: 'Stop and ask',
    help: 'The invoice waits in Action required until an admin decides (the default).',
  },
];

/** The tax setting: what a push does when QuickBooks' tax would differ from the tax billed here. */
export const TAX_DIFFERENCE_CHOICES: {
  value: QuickBooksTaxDifferencePolicy;
  label: string;
  help: string;
}[] = [
  {
    value: 'OVERRIDE',
    label: "Send the platform's tax",
    help: 'QuickBooks is given the tax billed here and keeps it (the default); if it still charges another, the invoice says so.',
  },
  {
    value: 'ACCEPT',
    label: 'Let QuickBooks compute the tax',
    help: 'QuickBooks’ own tax stands; an invoice where it differs shows “In QuickBooks, tax differs” with both figures.',
  },
  {
    value: 'STOP',
    label: 'Let QuickBooks compute, hold differences',
    help: 'An invoice QuickBooks taxes differently waits in Needs attention until an admin accepts QuickBooks’ tax or pushes it again.',
  },
];

/** A tax setting by name ("Send the platform's tax"); the server's own word for one this panel does not know. */
export function taxDifferenceLabel(policy: string): string {
  return TAX_DIFFERENCE_CHOICES.find((choice) => choice.value === policy)?.label ?? policy;
}
