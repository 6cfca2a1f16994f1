import type { EntityName } from '../../company/realm.js';
import type { Doc } from '../../util/json.js';
import type { EntityDefinition } from './context.js';
import { CREDIT_MEMO_DEFINITION } from './credit-memo.js';
import { DEPOSIT_DEFINITION } from './deposit.js';
import { INVOICE_DEFINITION } from './invoice.js';
import { NAME_LIST_DEFINITIONS } from './names.js';
import { PAYMENT_DEFINITION } from './payment.js';
import { PREFERENCES_DEFINITION } from './preferences.js';

const copyBuild = (_ctx: unknown, input: Doc): Doc => ({ ...input });

/**
 * TaxCode and TaxRate are read-only through their own endpoints; Intuit creates them through TaxService
 * (§6.1), which the emulator leaves out. CompanyInfo and Preferences are one record per company.
 */
export const DEFINITIONS: EntityDefinition[] = [
  ...NAME_LIST_DEFINITIONS,
  INVOICE_DEFINITION,
  PAYMENT_DEFINITION,
  CREDIT_MEMO_DEFINITION,
  DEPOSIT_DEFINITION,
  { name: 'TaxCode', path: 'taxcode', kind: 'readonly' },
  { name: 'TaxRate', path: 'taxrate', kind: 'readonly' },
  { name: 'Term', path: 'term', kind: 'readonly' },
  { name: 'CompanyInfo', path: 'companyinfo', kind: 'singleton', build: copyBuild },
  PREFERENCES_DEFINITION,
];

const byPath = new Map(DEFINITIONS.map((d) => [d.path, d]));
const byLowerName = new Map(DEFINITIONS.map((d) => [d.name.toLowerCase(), d]));
const byName = new Map(DEFINITIONS.map((d) => [d.name, d]));

export function definitionByPath(path: string): EntityDefinition | undefined {
  return byPath.get(path);
}

/** Query and batch name entities in PascalCase; older docs call the name case-sensitive (§3.4). */
export function definitionByEntityName(name: string): EntityDefinition | undefined {
  return byName.get(name as EntityName) ?? byLowerName.get(name.toLowerCase());
}

export function definitionOf(name: EntityName): EntityDefinition {
  const definition = byName.get(name);
  if (!definition) throw new Error(`no definition for ${name}`);
  return definition;
}
