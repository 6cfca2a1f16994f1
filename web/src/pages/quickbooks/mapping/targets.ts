import type { MappingReferenceDataQuery, QuickBooksMappingKind } from '../../../generated/graphql';

export interface TargetOption {
  id: string;
  label: string;
}

/** US line markers: they say whether a line is taxed, never which rate applies. */
const US_LINE_MARKERS = new Set(['TAX', 'NON']);

/**
 * The company's entries a mapping of `kind` (for `sourceKey`) may point at, as last read: active ones of
 * the right type only, following the same rules the server checks on save (which stays the judge).
 */
export function targetOptions(
  kind: QuickBooksMappingKind,
  sourceKey: string,
  reference: MappingReferenceDataQuery | undefined,
): TargetOption[] {
  if (!reference) return [];
  const byLabel = (a: TargetOption, b: TargetOption) => a.label.localeCompare(b.label);
  switch (kind) {
    case 'ITEM':
      return (reference.quickbooksItems?.nodes ?? [])
        .filter((item) => item.active && item.sellable)
        .map((item) => ({ id: item.id, label: item.fullyQualifiedName }))
        .sort(byLabel);
    case 'TAX_CODE': {
      const us = reference.quickbooksCompanyFacts?.taxModel === 'US';
      const zero = sourceKey === 'TAX_RATE:0';
      return (reference.quickbooksTaxCodes?.nodes ?? [])
        .filter((code) => {
          if (!code.active || !code.usableOnSales) return false;
          if (!us) return true;
          const marker = US_LINE_MARKERS.has(code.id) || US_LINE_MARKERS.has(code.name);
          if (zero) return code.id === 'NON' || code.name === 'NON';
          return !marker && code.taxable && code.salesRates.length > 0;
        })
        .map((code) => {
          const rate = code.salesRates.reduce((sum, r) => sum + r.ratePercent, 0);
          const percent = String(Number(rate.toFixed(4)));
          return {
            id: code.id,
            label: code.salesRates.length > 0 ? `${code.name} (${percent} %)` : code.name,
          };
        })
        .sort(byLabel);
    }
    case 'CLASS':
      return (reference.quickbooksClasses?.nodes ?? [])
        .filter((c) => c.active)
        .map((c) => ({ id: c.id, label: c.fullyQualifiedName }))
        .sort(byLabel);
    case 'INCOME_ACCOUNT':
      return (reference.quickbooksAccounts?.nodes ?? [])
        .filter((a) => a.active && a.accountType === 'Income')
        .map((a) => ({ id: a.id, label: a.fullyQualifiedName }))
        .sort(byLabel);
    case 'DEPOSIT_ACCOUNT':
      return (reference.quickbooksAccounts?.nodes ?? [])
        .filter(
          (a) =>
            a.active &&
            (a.accountType === 'Bank' ||
              (a.accountType === 'Other Current Asset' && a.accountSubType === 'UndepositedFunds')),
        )
        .map((a) => ({ id: a.id, label: a.fullyQualifiedName }))
        .sort(byLabel);
  }
}
