import type { EntityName } from '../../company/realm.js';
import { CLASSIFICATION } from '../../company/seed.js';
import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { getDoc, getNumber, getRefValue, getString } from '../../util/json.js';
import type { EntityContext, EntityDefinition } from './context.js';
import { checkEmail, checkLength } from './context.js';

const NAME_PARTS = ['Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix'] as const;
/** DisplayName and the name parts must not contain a colon, tab or newline (§6.2). */
const FORBIDDEN_NAME_CHARS = /[:\t\n]/;

/** Customer, Vendor and Employee share the DisplayName rules and its uniqueness (6240 across all three). */
function buildPerson(entity: EntityName) {
  return (ctx: EntityContext, input: Doc, existing: Doc | undefined): Doc => {
    const doc: Doc = { ...input };
    for (const part of NAME_PARTS) {
      const value = getString(doc, part);
      if (value !== undefined && FORBIDDEN_NAME_CHARS.test(value)) {
        throw Faults.businessValidation(
          `Business Validation Error: ${part} cannot contain a colon (:), tab or newline.`,
        );
      }
    }
    checkLength(doc, 'Title', 16);
    checkLength(doc, 'Suffix', 16);
    checkLength(doc, 'GivenName', 100);
    checkLength(doc, 'FamilyName', 100);
    let displayName = getString(doc, 'DisplayName')?.trim();
    // DisplayName "cannot be removed with sparse update" (Customer reference, §6.2): an update that sends it
    // blank is refused instead of quietly renaming the record after its name parts. The code is UNCONFIRMED.
    if (existing && !displayName && 'DisplayName' in ctx.options.requestBody) {
      throw Faults.requiredParam('DisplayName');
    }
    if (!displayName) {
      // Generated from the name parts when absent; one of them is required (§6.2).
      const parts = NAME_PARTS.map((part) => getString(doc, part)?.trim()).filter((p): p is string => !!p);
      if (parts.length === 0) throw Faults.requiredParam('DisplayName');
      displayName = parts.join(' ');
    }
    if (FORBIDDEN_NAME_CHARS.test(displayName)) {
      throw Faults.businessValidation(
        'Business Validation Error: DisplayName cannot contain a colon (:), tab or newline.',
      );
    }
    if (displayName.length > 500) throw Faults.stringTooLong('DisplayName', 500);
    doc.DisplayName = displayName;

    const selfId = getString(existing ?? {}, 'Id');
    const clash = ctx.realm
      .holdersOfDisplayName(displayName)
      .some((holder) => !(holder.entity === entity && holder.id === selfId));
    if (clash) throw Faults.duplicateName();
    checkEmail(getDoc(doc, 'PrimaryEmailAddr'), 'PrimaryEmailAddr');
    checkLength(getDoc(doc, 'PrimaryEmailAddr') ?? {}, 'Address', 100);
    doc.PrintOnCheckName ??= getString(doc, 'CompanyName') ?? displayName;
    doc.Active = doc.Active === false || doc.Active === 'false' ? false : true;

    if (entity === 'Customer') {
      let fullyQualified = displayName;
      let level = 0;
      if (getRefValue(doc, 'ParentRef') !== undefined) {
        const parent = ctx.resolveRef('Customer', doc, 'ParentRef', true);
        if (parent) {
          if (getString(parent, 'Id') === getString(existing ?? {}, 'Id')) {
            throw Faults.businessValidation(
              'Business Validation Error: A customer cannot be its own parent.',
            );
          }
          level = (getNumber(parent, 'Level') ?? 0) + 1;
          // Sub-customers nest up to 4 levels below the top-level customer (§6.2).
          if (level > 4)
            throw Faults.businessValidation(
              'Business Validation Error: Sub-customers nest at most 4 levels.',
            );
          fullyQualified = `${getString(parent, 'FullyQualifiedName') ?? ''}:${displayName}`;
        }
        doc.Job = doc.Job ?? true;
      } else {
        delete doc.ParentRef;
        doc.Job = false;
      }
      doc.Level = level;
      doc.FullyQualifiedName = fullyQualified;
      if (getRefValue(doc, 'DefaultTaxCodeRef') !== undefined)
        ctx.resolveRef('TaxCode', doc, 'DefaultTaxCodeRef', true);
      if (getRefValue(doc, 'SalesTermRef') !== undefined) ctx.resolveRef('Term', doc, 'SalesTermRef', true);
      // Balance is read-only: open A/R maintained by invoice and payment writes.
      doc.Balance = getNumber(existing ?? {}, 'Balance') ?? 0;
      doc.BalanceWithJobs = getNumber(existing ?? {}, 'BalanceWithJobs') ?? doc.Balance;
      // CurrencyRef is fixed after create (§6.2).
      doc.CurrencyRef = existing?.CurrencyRef ?? doc.CurrencyRef ?? ctx.homeCurrency();
      doc.PreferredDeliveryMethod ??= 'Print';
      doc.Taxable ??= ctx.realm.isUS ? false : undefined;
    } else if (entity === 'Vendor') {
      doc.Balance = getNumber(existing ?? {}, 'Balance') ?? 0;
      doc.CurrencyRef = existing?.CurrencyRef ?? doc.CurrencyRef ?? ctx.homeCurrency();
      doc.Vendor1099 ??= false;
    }
    return doc;
  };
}

function uniqueName(
  ctx: EntityContext,
  entity: EntityName,
  name: string,
  existing: Doc | undefined,
  what: string,
) {
  const selfId = getString(existing ?? {}, 'Id');
  if (ctx.realm.holdersOfUniqueName(entity, name).some((id) => id !== selfId))
    throw Faults.duplicateName(what);
}

/** Shared Name / SubItem / ParentRef / FullyQualifiedName handling for Item, Account and Class. */
function nameAndParent(
  ctx: EntityContext,
  entity: EntityName,
  doc: Doc,
  existing: Doc | undefined,
  subFlag: string,
  forbidden: RegExp,
  what: string,
): void {
  const name = getString(doc, 'Name')?.trim();
  if (!name) throw Faults.requiredParam('Name');
  if (name.length > 100) throw Faults.stringTooLong('Name', 100);
  if (forbidden.test(name)) {
    throw Faults.businessValidation(
      `Business Validation Error: Name contains a character that is not allowed.`,
    );
  }
  doc.Name = name;
  let fullyQualified = name;
  if (getRefValue(doc, 'ParentRef') !== undefined) {
    const parent = ctx.resolveRef(entity, doc, 'ParentRef', true);
    fullyQualified = `${getString(parent ?? {}, 'FullyQualifiedName') ?? ''}:${name}`;
    doc[subFlag] = true;
  } else {
    delete doc.ParentRef;
    doc[subFlag] = false;
  }
  doc.FullyQualifiedName = fullyQualified;
  uniqueName(ctx, entity, fullyQualified, existing, what);
  doc.Active = doc.Active === false || doc.Active === 'false' ? false : true;
}

const ITEM_TYPES = new Set(['Inventory', 'Service', 'NonInventory', 'Group', 'Category']);

function buildItem(ctx: EntityContext, input: Doc, existing: Doc | undefined): Doc {
  const doc: Doc = { ...input };
  nameAndParent(ctx, 'Item', doc, existing, 'SubItem', /:/, 'product or service');
  const type = getString(doc, 'Type');
  // Type is required from minorversion 4, so always under the forced minor version 75 (§6.3).
  if (type === undefined) throw Faults.requiredParam('Type');
  if (!ITEM_TYPES.has(type)) throw Faults.invalidEnumeration('Type', type);
  if (type === 'Group' && !existing) {
    throw Faults.businessValidation(
      'Business Validation Error: Group (bundle) items cannot be created through the API.',
    );
  }
  if (existing && getString(existing, 'Type') === 'Inventory' && doc.TrackQtyOnHand === false) {
    throw Faults.businessValidation('Business Validation Error: TrackQtyOnHand cannot be turned off.');
  }
  if (type !== 'Category') {
    // IncomeAccountRef is required for Inventory and Service; ExpenseAccountRef is documented as required
    // too but real creates succeed without it, so the emulator is lenient there (§6.3).
    ctx.resolveRef('Account', doc, 'IncomeAccountRef', type === 'Inventory' || type === 'Service');
    ctx.resolveRef('Account', doc, 'ExpenseAccountRef', false);
    doc.UnitPrice = getNumber(doc, 'UnitPrice') ?? 0;
  }
  if (type === 'Inventory') {
    if (doc.TrackQtyOnHand !== true) throw Faults.requiredParam('TrackQtyOnHand');
    if (getNumber(doc, 'QtyOnHand') === undefined) throw Faults.requiredParam('QtyOnHand');
    if (getString(doc, 'InvStartDate') === undefined) throw Faults.requiredParam('InvStartDate');
    ctx.resolveRef('Account', doc, 'AssetAccountRef', true);
  } else {
    doc.TrackQtyOnHand = false;
  }
  if (getRefValue(doc, 'SalesTaxCodeRef') !== undefined)
    ctx.resolveRef('TaxCode', doc, 'SalesTaxCodeRef', true);
  if (ctx.realm.isUS) doc.Taxable = doc.Taxable === true;
  return doc;
}

const DEFAULT_SUBTYPE: Record<string, string> = {
  Bank: 'Checking',
  'Other Current Asset': 'OtherCurrentAssets',
  'Fixed Asset': 'OtherFixedAssets',
  'Other Asset': 'OtherLongTermAssets',
  'Accounts Receivable': 'AccountsReceivable',
  Equity: 'OwnersEquity',
  Expense: 'OtherMiscellaneousServiceCost',
  'Other Expense': 'OtherMiscellaneousExpense',
  'Cost of Goods Sold': 'SuppliesMaterialsCogs',
  'Accounts Payable': 'AccountsPayable',
  'Credit Card': 'CreditCard',
  'Long Term Liability': 'OtherLongTermLiabilities',
  'Other Current Liability': 'OtherCurrentLiabilities',
  Income: 'OtherPrimaryIncome',
  'Other Income': 'OtherMiscellaneousIncome',
};

function buildAccount(ctx: EntityContext, input: Doc, existing: Doc | undefined): Doc {
  const doc: Doc = { ...input };
  // Account names must not contain a double quote or a colon (§6.4).
  nameAndParent(ctx, 'Account', doc, existing, 'SubAccount', /[":]/, 'account');
  const type = getString(doc, 'AccountType');
  if (type === undefined) throw Faults.requiredParam('AccountType');
  const classification = CLASSIFICATION[type];
  if (classification === undefined) throw Faults.invalidEnumeration('AccountType', type);
  doc.Classification = classification;
  doc.AccountSubType ??= DEFAULT_SUBTYPE[type];
  doc.CurrentBalance = getNumber(existing ?? {}, 'CurrentBalance') ?? 0;
  doc.CurrentBalanceWithSubAccounts = getNumber(existing ?? {}, 'CurrentBalanceWithSubAccounts') ?? 0;
  doc.CurrencyRef = existing?.CurrencyRef ?? doc.CurrencyRef ?? ctx.homeCurrency();
  return doc;
}

function buildClass(ctx: EntityContext, input: Doc, existing: Doc | undefined): Doc {
  const doc: Doc = { ...input };
  nameAndParent(ctx, 'Class', doc, existing, 'SubClass', /:/, 'class');
  return doc;
}

export const NAME_LIST_DEFINITIONS: EntityDefinition[] = [
  { name: 'Customer', path: 'customer', kind: 'name', build: buildPerson('Customer') },
  { name: 'Vendor', path: 'vendor', kind: 'name', build: buildPerson('Vendor') },
  { name: 'Employee', path: 'employee', kind: 'name', build: buildPerson('Employee') },
  { name: 'Item', path: 'item', kind: 'name', build: buildItem },
  { name: 'Account', path: 'account', kind: 'name', build: buildAccount },
  { name: 'Class', path: 'class', kind: 'name', build: buildClass },
];
