import { MAPPING_KINDS, type MappingKind } from '../../models/mapping-set.js';
import type {
  QuickBooksAccountRef,
  QuickBooksTaxCodeRef,
  ReferenceSnapshot,
} from '../reference-data/types.js';
import { checkSourceKey, rateOfKey } from './source-keys.js';

/**
 * The validation rules of issue 10, as pure functions over one reference snapshot. The same target check
 * serves writes (refuse) and reads (show as broken), so a mapping the API would refuse today never reads
 * as OK, whatever changed in QuickBooks since it was made.
 */

/** Why a mapping's target cannot be used. */
export const TARGET_PROBLEMS = [
  'TARGET_MISSING',
  'TARGET_INACTIVE',
  'WRONG_TYPE',
  'NOT_APPLICABLE',
  'OTHER_COMPANY',
] as const;
export type TargetProblem = (typeof TARGET_PROBLEMS)[number];

export type TargetCheck =
  { ok: true; targetName: string } | { ok: false; problem: TargetProblem; reason: string };

const broken = (problem: TargetProblem, reason: string): TargetCheck => ({ ok: false, problem, reason });

/** Checks run against the cached lists: something created in QuickBooks a moment ago needs a refresh. */
const missing = (what: string, id: string): TargetCheck =>
  broken(
    'TARGET_MISSING',
    `QuickBooks has no ${what} with id ${id} (as of the last read of the company; refresh the QuickBooks lists if it is new)`,
  );

/** Intuit's AccountType for income (Account reference); `Other Income` is not accepted as item income. */
const INCOME = 'Income';
/** Payment DepositToAccountRef: "a Bank or Other Current Asset account" — of the latter, Undeposited Funds. */
const DEPOSIT_TYPES = { bank: 'Bank', otherCurrentAsset: 'Other Current Asset' } as const;
const UNDEPOSITED_FUNDS = 'UndepositedFunds';
/** US line markers (§6.1): they say whether a line is taxed, never which rate applies. */
const US_LINE_MARKERS = new Set(['TAX', 'NON']);

function isUsLineMarker(code: QuickBooksTaxCodeRef): boolean {
  return US_LINE_MARKERS.has(code.id) || US_LINE_MARKERS.has(code.name);
}

function checkAccount(
  account: QuickBooksAccountRef | undefined,
  targetId: string,
  accepted: (account: QuickBooksAccountRef) => boolean,
  wanted: string,
): TargetCheck {
  if (!account) return missing('account', targetId);
  if (!account.active) {
    return broken('TARGET_INACTIVE', `the account "${account.fullyQualifiedName}" is inactive in QuickBooks`);
  }
  if (!accepted(account)) {
    const type = account.accountSubType
      ? `${account.accountType} (${account.accountSubType})`
      : account.accountType;
    return broken('WRONG_TYPE', `the account "${account.fullyQualifiedName}" is of type ${type}; ${wanted}`);
  }
  return { ok: true, targetName: account.fullyQualifiedName };
}

function checkTaxCode(sourceKey: string, targetId: string, snapshot: ReferenceSnapshot): TargetCheck {
  const { facts } = snapshot;
  if (facts.automatedSalesTax) {
    return broken(
      'NOT_APPLICABLE',
      'this company uses Automated Sales Tax: QuickBooks works the tax out from the customer address, so tax rates are not mapped',
    );
  }
  const code = snapshot.taxCodes.find((candidate) => candidate.id === targetId);
  if (!code) return missing('tax code', targetId);
  if (!code.active) return broken('TARGET_INACTIVE', `the tax code "${code.name}" is inactive in QuickBooks`);
  if (!code.usableOnSales) {
    return broken(
      'WRONG_TYPE',
      `the tax code "${code.name}" has no sales rate and cannot be used on an invoice`,
    );
  }
  if (facts.taxModel === 'US') {
    const rate = rateOfKey(sourceKey);
    if (rate === '0') {
      if (code.name !== 'NON' && code.id !== 'NON') {
        return broken(
          'WRONG_TYPE',
          'on a US company a zero rate goes on the line as NON and needs no tax code: map TAX_RATE:0 to NON',
        );
      }
    } else if (isUsLineMarker(code)) {
      return broken(
        'WRONG_TYPE',
        `on a US company ${code.name} only marks a line taxable or not: map a rate to the tax code (rate or group) QuickBooks charges on the invoice`,
      );
    } else if (!code.taxable || code.salesRates.length === 0) {
      return broken(
        'WRONG_TYPE',
        `the tax code "${code.name}" charges no tax; map a non-zero rate to a taxing code`,
      );
    }
  }
  return { ok: true, targetName: code.name };
}

/** Whether `targetId` is something a mapping of `kind` may point at in this company, and if not, why. */
export function checkTarget(
  kind: MappingKind,
  sourceKey: string,
  targetId: string,
  snapshot: ReferenceSnapshot,
): TargetCheck {
  switch (kind) {
    case 'ITEM': {
      const item = snapshot.items.find((candidate) => candidate.id === targetId);
      if (!item) return missing('item', targetId);
      if (!item.active) {
        return broken('TARGET_INACTIVE', `the item "${item.fullyQualifiedName}" is inactive in QuickBooks`);
      }
      if (!item.sellable) {
        return broken(
          'WRONG_TYPE',
          `the item "${item.fullyQualifiedName}" (${item.type}) cannot be sold on an invoice line`,
        );
      }
      return { ok: true, targetName: item.fullyQualifiedName };
    }
    case 'INCOME_ACCOUNT':
      return checkAccount(
        snapshot.accounts.find((account) => account.id === targetId),
        targetId,
        (account) => account.accountType === INCOME,
        'items the sync creates need an Income account',
      );
    case 'DEPOSIT_ACCOUNT':
      return checkAccount(
        snapshot.accounts.find((account) => account.id === targetId),
        targetId,
        (account) =>
          account.accountType === DEPOSIT_TYPES.bank ||
          (account.accountType === DEPOSIT_TYPES.otherCurrentAsset &&
            account.accountSubType === UNDEPOSITED_FUNDS),
        'payments are deposited to a Bank account or to Undeposited Funds',
      );
    case 'TAX_CODE':
      return checkTaxCode(sourceKey, targetId, snapshot);
    case 'CLASS': {
      const found = snapshot.classes.find((candidate) => candidate.id === targetId);
      if (!found) return missing('class', targetId);
      if (!found.active) {
        return broken('TARGET_INACTIVE', `the class "${found.fullyQualifiedName}" is inactive in QuickBooks`);
      }
      return { ok: true, targetName: found.fullyQualifiedName };
    }
  }
}

export interface MappingInput {
  kind: string;
  sourceKey: string;
  targetId: string;
}

/** One refused entry: `field` is the input path (`entries[2].targetId`). */
export interface EntryProblem {
  index: number;
  field: string;
  message: string;
}

export interface ValidEntry {
  kind: MappingKind;
  sourceKey: string;
  targetId: string;
  targetName: string;
}

const isMappingKind = (kind: string): kind is MappingKind =>
  (MAPPING_KINDS as readonly string[]).includes(kind);

/**
 * Checks every entry (none is skipped after a first failure, so one answer lists all that is wrong):
 * the kind, the source key's syntax, no key twice in one call, then the target against the snapshot.
 * `path` names the input list in the problems' `field`.
 */
export function validateEntries(
  entries: readonly MappingInput[],
  snapshot: ReferenceSnapshot,
  path = 'entries',
): { valid: ValidEntry[]; problems: EntryProblem[] } {
  const valid: ValidEntry[] = [];
  const problems: EntryProblem[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const at = (field: string) => `${path}[${index}].${field}`;
    const problem = (field: string, message: string) => problems.push({ index, field: at(field), message });
    if (!isMappingKind(entry.kind)) {
      problem('kind', `the kind must be one of ${MAPPING_KINDS.join(', ')}`);
      return;
    }
    const syntax = checkSourceKey(entry.kind, entry.sourceKey);
    if (!syntax.ok) {
      problem('sourceKey', syntax.reason);
      return;
    }
    const identity = `${entry.kind}\u0000${entry.sourceKey}`;
    const earlier = seen.get(identity);
    if (earlier !== undefined) {
      problem('sourceKey', `${entry.kind} ${entry.sourceKey} is already mapped by ${path}[${earlier}]`);
      return;
    }
    seen.set(identity, index);
    const target = checkTarget(entry.kind, entry.sourceKey, entry.targetId, snapshot);
    if (!target.ok) {
      problem('targetId', target.reason);
      return;
    }
    valid.push({
      kind: entry.kind,
      sourceKey: entry.sourceKey,
      targetId: entry.targetId,
      targetName: target.targetName,
    });
  });
  return { valid, problems };
}

export type MappingStatus = { status: 'OK' } | { status: 'BROKEN'; problem: TargetProblem; reason: string };

/**
 * A stored mapping judged against the current snapshot: an entry made for another company (the tenant
 * reconnected to a different realm) is broken whatever its id happens to name there.
 */
export function judgeEntry(
  entry: { kind: MappingKind; sourceKey: string; targetId: string },
  madeForRealmId: string,
  snapshot: ReferenceSnapshot,
): MappingStatus {
  if (madeForRealmId !== snapshot.realmId) {
    return {
      status: 'BROKEN',
      problem: 'OTHER_COMPANY',
      reason: 'this mapping was made for another QuickBooks company than the one connected now; map it again',
    };
  }
  const target = checkTarget(entry.kind, entry.sourceKey, entry.targetId, snapshot);
  return target.ok ? { status: 'OK' } : { status: 'BROKEN', problem: target.problem, reason: target.reason };
}
