import Big from 'big.js';
import type {
  QuickBooksClassRef,
  QuickBooksItemRef,
  QuickBooksTaxCodeRef,
  ReferenceSnapshot,
} from '../reference-data/types.js';

/**
 * Ranked QuickBooks candidates for platform source keys that have no mapping yet. Pure: reads a snapshot,
 * writes nothing; a candidate becomes a mapping only through a mutation an admin sends.
 *
 * Why each candidate is proposed:
 * - `EXACT_NAME`: a platform name equals the QuickBooks name, character for character.
 * - `SKU`: the service code equals the item's SKU (case and surrounding spaces ignored).
 * - `SAME_RATE`: the tax code's sales rates add up to the platform rate.
 * - `NORMALISED_NAME`: the names hold the same words once case, punctuation, accents, plurals and common
 *   abbreviations ("Svc", "Labour", "Hrs", "Matl", …) are set aside.
 * - `TOKEN_OVERLAP`: the names share words or letter sequences (a weaker, measured fallback).
 */
export const SUGGESTION_REASONS = [
  'EXACT_NAME',
  'SKU',
  'SAME_RATE',
  'NORMALISED_NAME',
  'TOKEN_OVERLAP',
] as const;
export type SuggestionReason = (typeof SUGGESTION_REASONS)[number];

/** A platform key to find candidates for, with any names the platform knows it by beyond the key itself. */
export interface SuggestionRequest {
  sourceKey: string;
  /** Extra platform names, e.g. the descriptions of invoice lines carrying a service code. */
  labels?: readonly string[];
}

export interface SuggestionCandidate {
  targetId: string;
  targetName: string;
  /** 0-1: how sure the ranking is; only comparable within one source key. */
  score: number;
  /** Strongest first. */
  reasons: SuggestionReason[];
}

export interface SourceKeySuggestions {
  sourceKey: string;
  /** Best first; empty when nothing in the company resembles the key. */
  candidates: SuggestionCandidate[];
}

export interface RankOptions {
  /** Candidates kept per key (default 5). */
  limit?: number;
}

/**
 * Scores per reason. A reason that identifies the target (a code, a rate, the very name) outranks one
 * that only resembles it; within TOKEN_OVERLAP the similarity itself (0-1) scales the score.
 */
const REASON_SCORE: Record<Exclude<SuggestionReason, 'TOKEN_OVERLAP'>, number> = {
  EXACT_NAME: 1,
  SKU: 0.97,
  SAME_RATE: 0.95,
  NORMALISED_NAME: 0.9,
};
const TOKEN_OVERLAP_WEIGHT = 0.8;
/** Below this similarity a name is noise (measured on bench/mapping-suggestions.ts: lower adds wrong top-3s). */
const MIN_SIMILARITY = 0.3;
/**
 * QuickBooks names cannot be deleted, only made inactive, so companies also rename retired items
 * ("Service charge (old)", "DO NOT USE - Labor"). Such names still rank, below their live twins.
 */
const RETIRED_MARKERS = ['old', 'obsolete', 'legacy', 'deprecated', 'unused', 'do not use', 'dont use'];
const RETIRED_FACTOR = 0.85;
/** Items whose QuickBooks Type suits the platform kind win ties (materials are goods, the rest services). */
const TYPE_AFFINITY_BONUS = 0.02;

/** Names the platform gives its item kinds: the host schema's own words for them. */
const KIND_LABELS: Record<string, readonly string[]> = {
  SERVICE: ['Service'],
  MATERIAL: ['Material', 'Parts and materials'],
  LABOR: ['Labor', 'Hourly labor'],
  FEE: ['Fee', 'Call-out fee'],
};
const GOODS_TYPES: ReadonlySet<string> = new Set(['Inventory', 'NonInventory']);

/**
 * Spellings that mean one word, as field-service price books write them. Applied per token after plural
 * folding, so "Svcs" and "Services" both become `service`.
 */
const WORD_FORMS: Record<string, string> = {
  svc: 'service',
  serv: 'service',
  srv: 'service',
  labour: 'labor',
  lab: 'labor',
  hr: 'hour',
  hrs: 'hour',
  hrly: 'hourly',
  matl: 'material',
  mat: 'material',
  mtl: 'material',
  mtrl: 'material',
  maint: 'maintenance',
  mnt: 'maintenance',
  mntc: 'maintenance',
  chg: 'charge',
  chrg: 'charge',
  install: 'installation',
  instal: 'installation',
  inst: 'installation',
  equip: 'equipment',
  misc: 'miscellaneous',
  pt: 'part',
  pts: 'part',
  insp: 'inspection',
  repr: 'repair',
  rpr: 'repair',
  elec: 'electrical',
};
/** Words that carry no meaning in a price-book name. */
const STOP_WORDS: ReadonlySet<string> = new Set(['and', 'the', 'of', 'for', 'a', 'an', 'per', 'w', 'with']);

/** Lower case, no accents, `&` read as "and", everything but letters and digits a separator. */
function plainText(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** English plural folding, enough for price-book nouns ("batteries", "hours", "fees"; not "glass"). */
function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') && !/\d/.test(word)) {
    return word.slice(0, -1);
  }
  return word;
}

/** The meaningful words of a name, each in one canonical spelling. */
export function normalisedTokens(name: string): string[] {
  return plainText(name)
    .split(' ')
    .filter((word) => word !== '' && !STOP_WORDS.has(word))
    .map((word) => WORD_FORMS[word] ?? WORD_FORMS[singular(word)] ?? singular(word));
}

function tokenSet(name: string): Set<string> {
  return new Set(normalisedTokens(name));
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size > 0 && a.size === b.size && [...a].every((token) => b.has(token));
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  const shared = [...a].filter((token) => b.has(token)).length;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

function trigrams(text: string): Set<string> {
  const padded = `  ${text} `;
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i += 1) grams.add(padded.slice(i, i + 3));
  return grams;
}

/**
 * How alike two names are (0-1): the better of word overlap (Jaccard on canonical words) and letter
 * trigram overlap (Dice on the canonical words, sorted, so word order does not matter). Trigrams catch
 * what word lists miss: "callout" against "call out", "cam" against "camera".
 */
export function nameSimilarity(a: string, b: string): number {
  const wordsA = tokenSet(a);
  const wordsB = tokenSet(b);
  const words = jaccard(wordsA, wordsB);
  const gramsA = trigrams([...wordsA].sort().join(' '));
  const gramsB = trigrams([...wordsB].sort().join(' '));
  const shared = [...gramsA].filter((gram) => gramsB.has(gram)).length;
  const letters = gramsA.size + gramsB.size === 0 ? 0 : (2 * shared) / (gramsA.size + gramsB.size);
  return Math.max(words, letters);
}

function looksRetired(name: string): boolean {
  const text = ` ${plainText(name)} `;
  return RETIRED_MARKERS.some((marker) => text.includes(` ${marker} `));
}

interface Target {
  id: string;
  name: string;
  fullyQualifiedName?: string;
}

interface Scored {
  score: number;
  reasons: SuggestionReason[];
}

/** Name-based reasons of one target against the platform's names for a key. */
function nameReasons(labels: readonly string[], target: Target): Scored {
  const reasons: SuggestionReason[] = [];
  let score = 0;
  const names = [target.name, target.fullyQualifiedName].filter((n): n is string => !!n);
  if (labels.some((label) => names.some((name) => label.trim() === name.trim()))) {
    reasons.push('EXACT_NAME');
    score = REASON_SCORE.EXACT_NAME;
  }
  if (labels.some((label) => names.some((name) => sameSet(tokenSet(label), tokenSet(name))))) {
    reasons.push('NORMALISED_NAME');
    score = Math.max(score, REASON_SCORE.NORMALISED_NAME);
  }
  if (reasons.length === 0) {
    const similarity = Math.max(
      0,
      ...labels.flatMap((label) => names.map((name) => nameSimilarity(label, name))),
    );
    if (similarity >= MIN_SIMILARITY) {
      reasons.push('TOKEN_OVERLAP');
      score = TOKEN_OVERLAP_WEIGHT * similarity;
    }
  }
  return { score, reasons };
}

function combine(...parts: Scored[]): Scored {
  const reasons = parts.flatMap((part) => part.reasons);
  const order = (reason: SuggestionReason) => SUGGESTION_REASONS.indexOf(reason);
  return {
    score: Math.max(0, ...parts.map((part) => part.score)),
    reasons: [...new Set(reasons)].sort((a, b) => order(a) - order(b)),
  };
}

function sameCode(a: string, b: string | undefined): boolean {
  return b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase() && a.trim() !== '';
}

function itemCandidates(
  items: readonly QuickBooksItemRef[],
  labels: readonly string[],
  options: { serviceCode?: string; kind?: string },
): Array<Target & Scored> {
  return items
    .filter((item) => item.active && item.sellable)
    .map((item) => {
      const sku: Scored =
        options.serviceCode !== undefined && sameCode(options.serviceCode, item.sku)
          ? { score: REASON_SCORE.SKU, reasons: ['SKU'] }
          : { score: 0, reasons: [] };
      const scored = combine(nameReasons(labels, item), sku);
      if (scored.reasons.length === 0) return { ...item, ...scored };
      let score = scored.score;
      if (looksRetired(item.name)) score *= RETIRED_FACTOR;
      const goods = GOODS_TYPES.has(item.type);
      if (options.kind !== undefined && (options.kind === 'MATERIAL') === goods) score += TYPE_AFFINITY_BONUS;
      return { ...item, score: Math.min(1, score), reasons: scored.reasons };
    });
}

/** The rate a tax code charges on sales, in percent; undefined when QuickBooks decides it per transaction. */
export function effectiveSalesRatePercent(code: QuickBooksTaxCodeRef): Big | undefined {
  if (code.salesRates.length === 0) return code.taxable ? undefined : new Big(0);
  return code.salesRates.reduce((sum, rate) => sum.plus(rate.ratePercent), new Big(0));
}

function taxCodeCandidates(codes: readonly QuickBooksTaxCodeRef[], fraction: string): Array<Target & Scored> {
  let percent: Big;
  try {
    percent = new Big(fraction).times(100);
  } catch {
    return [];
  }
  return codes
    .filter((code) => code.active && code.usableOnSales)
    .map((code) => {
      const rate = effectiveSalesRatePercent(code);
      return rate !== undefined && rate.eq(percent)
        ? { ...code, score: REASON_SCORE.SAME_RATE, reasons: ['SAME_RATE'] as SuggestionReason[] }
        : { ...code, score: 0, reasons: [] };
    });
}

function classCandidates(classes: readonly QuickBooksClassRef[], labels: readonly string[]) {
  return classes.filter((c) => c.active).map((c) => ({ ...c, ...nameReasons(labels, c) }));
}

function candidatesFor(request: SuggestionRequest, snapshot: ReferenceSnapshot): Array<Target & Scored> {
  const colon = request.sourceKey.indexOf(':');
  const prefix = colon < 0 ? request.sourceKey : request.sourceKey.slice(0, colon);
  const value = colon < 0 ? '' : request.sourceKey.slice(colon + 1);
  const extra = request.labels ?? [];
  switch (prefix) {
    case 'ITEM_KIND':
      return itemCandidates(snapshot.items, [...(KIND_LABELS[value] ?? [value]), ...extra], { kind: value });
    case 'SERVICE_CODE':
      return itemCandidates(snapshot.items, [value, ...extra], { serviceCode: value });
    case 'TAX_RATE':
      return taxCodeCandidates(snapshot.taxCodes, value);
    case 'BUSINESS_UNIT':
      return classCandidates(snapshot.classes, [value, ...extra]);
    default:
      // INCOME_ACCOUNT and DEPOSIT_ACCOUNT have no platform name to compare: the admin picks an account.
      return [];
  }
}

/** Rounded so scores read well in GraphQL and compare stably in tests. */
const round = (score: number) => Math.round(score * 1000) / 1000;

/**
 * For each request, the company's active, right-typed objects that resemble it, best first: highest
 * score, then the shorter name (the more general of near-duplicates), then by name and id so the order
 * never depends on QuickBooks' answer order.
 */
export function rankSuggestions(
  requests: readonly SuggestionRequest[],
  snapshot: ReferenceSnapshot,
  options: RankOptions = {},
): SourceKeySuggestions[] {
  const limit = options.limit ?? 5;
  return requests.map((request) => ({
    sourceKey: request.sourceKey,
    candidates: candidatesFor(request, snapshot)
      .filter((candidate) => candidate.reasons.length > 0)
      .sort(
        (a, b) =>
          b.score - a.score ||
          a.name.length - b.name.length ||
          a.name.localeCompare(b.name) ||
          a.id.localeCompare(b.id),
      )
      .slice(0, limit)
      .map((candidate) => ({
        targetId: candidate.id,
        targetName: candidate.name,
        score: round(candidate.score),
        reasons: candidate.reasons,
      })),
  }));
}
