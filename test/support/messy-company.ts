/**
 * A QuickBooks company as field-service companies really keep one: abbreviations, British and American
 * spellings, accents, punctuation, retired items renamed or made inactive, near-duplicates, SKUs typed
 * in lower case with a trailing space, on top of the emulator's 18 seeded items (Services, Hours,
 * Installation, …). Seeded through the emulator's v3 API, so every name passes QuickBooks' own rules
 * (unique, trimmed, no colon), and with a hand-written ground truth of where each platform key belongs.
 *
 * The ground truth was written with the item list, before the ranking was measured against it; it is
 * what an admin of this company would pick, not what the ranking picks.
 */
import type { SourceKeySuggestions } from '../../src/services/mappings/suggestions.js';

type ItemType = 'Service' | 'NonInventory';

interface MessyItem {
  name: string;
  type: ItemType;
  sku?: string;
  /** Created, then made inactive with a sparse update, as QuickBooks users retire items. */
  inactive?: boolean;
}

/** Seeded account ids of the emulator's companies: Services income (14), Sales of Product Income (15). */
const INCOME_ACCOUNT_FOR: Record<ItemType, string> = { Service: '14', NonInventory: '15' };

export const MESSY_ITEMS: readonly MessyItem[] = [
  // Item kinds, their decoys and near-duplicates
  { name: 'Labour - hourly', type: 'Service' },
  { name: 'Labor (2019 rates)', type: 'Service', inactive: true },
  { name: 'Labour - overtime', type: 'Service' },
  { name: 'Travel time (hrs)', type: 'Service' },
  { name: 'Apprentice hrs', type: 'Service' },
  { name: 'Parts & Materials', type: 'NonInventory' },
  { name: 'Parts and Material (old)', type: 'NonInventory', inactive: true },
  { name: 'Matl markup', type: 'NonInventory' },
  { name: 'Service charge (old)', type: 'Service', inactive: true },
  { name: 'SERVICES (do not use)', type: 'Service' },
  { name: 'Call-out / Trip Fee', type: 'Service' },
  { name: 'Late payment fee', type: 'Service' },
  { name: 'Fees (legacy)', type: 'Service', inactive: true },
  { name: 'Permit fee', type: 'Service' },
  // Service codes: by name, by SKU, and their decoys
  { name: 'HVAC maint. (svc)', type: 'Service' },
  { name: 'HVAC maintenance - old plan', type: 'Service', inactive: true },
  { name: 'HVAC repair', type: 'Service' },
  { name: 'Rooftop unit PM - quarterly', type: 'Service', sku: 'SVC-RTU-PM' },
  { name: 'Rooftop unit PM - annual', type: 'Service', sku: 'SVC-RTU-PM-A' },
  { name: 'Plumber labour/hr', type: 'Service', sku: 'lab-plumb ' },
  { name: 'Water heater 50 gal', type: 'NonInventory', sku: 'MAT-WH50G' },
  { name: 'Water heater 40 gal', type: 'NonInventory', sku: 'MAT-WH40G' },
  { name: 'Drain cleaning w/ camera', type: 'Service' },
  { name: 'Drain cleaning', type: 'Service' },
  { name: 'Électrical installation', type: 'Service' },
  { name: 'Thermostat install', type: 'Service' },
  { name: 'Smart thermostat', type: 'NonInventory' },
  { name: 'Air filters - MERV 13', type: 'NonInventory' },
  { name: 'Air filters - MERV 8', type: 'NonInventory' },
  { name: 'Refrigerant R-410A (lb)', type: 'NonInventory' },
  { name: 'Emergency call-out (after hours)', type: 'Service' },
  { name: 'Backflow test & cert.', type: 'Service' },
  { name: 'Gas leak inspection', type: 'Service' },
  { name: 'Disposal fee', type: 'Service' },
  { name: 'Duct cleaning', type: 'Service' },
  // Unrelated items every company has
  { name: 'Gift card', type: 'NonInventory' },
  { name: 'Discount', type: 'Service' },
  { name: 'Warranty extension (2 yr)', type: 'Service' },
  { name: 'Boiler service', type: 'Service' },
  { name: 'Sump pump', type: 'NonInventory' },
  { name: 'Pipe fittings', type: 'NonInventory' },
  { name: 'Copper pipe 1/2"', type: 'NonInventory' },
  { name: 'Membership plan - gold', type: 'Service' },
];

/**
 * Platform key → the QuickBooks name an admin of this company would map it to. Item names are this
 * fixture's or the emulator's seeded ones; tax codes are the US company's seeded codes (California 7.25 %,
 * San Pablo 7.25 + 1 %, Tucson 2 + 7.1 %, NON).
 */
export const GROUND_TRUTH: Readonly<Record<string, string>> = {
  'ITEM_KIND:SERVICE': 'Services',
  'ITEM_KIND:LABOR': 'Labour - hourly',
  'ITEM_KIND:MATERIAL': 'Parts & Materials',
  'ITEM_KIND:FEE': 'Call-out / Trip Fee',
  'SERVICE_CODE:HVAC-MAINT': 'HVAC maint. (svc)',
  'SERVICE_CODE:SVC-RTU-PM': 'Rooftop unit PM - quarterly',
  'SERVICE_CODE:LAB-PLUMB': 'Plumber labour/hr',
  'SERVICE_CODE:MAT-WH50G': 'Water heater 50 gal',
  'SERVICE_CODE:DRAIN-CAM': 'Drain cleaning w/ camera',
  'SERVICE_CODE:ELEC-INSTALL': 'Électrical installation',
  'SERVICE_CODE:THERMOSTAT-INST': 'Thermostat install',
  'SERVICE_CODE:FILTER-MERV13': 'Air filters - MERV 13',
  'SERVICE_CODE:R410A': 'Refrigerant R-410A (lb)',
  'SERVICE_CODE:EMERG-CALLOUT': 'Emergency call-out (after hours)',
  'SERVICE_CODE:BACKFLOW-TEST': 'Backflow test & cert.',
  'SERVICE_CODE:GAS-INSP': 'Gas leak inspection',
  'SERVICE_CODE:DISPOSAL': 'Disposal fee',
  'SERVICE_CODE:DUCT-CLEAN': 'Duct cleaning',
  'TAX_RATE:0.0725': 'California',
  'TAX_RATE:0.0825': 'San Pablo',
  'TAX_RATE:0.091': 'Tucson',
  'TAX_RATE:0': 'NON',
};

export const GROUND_TRUTH_KEYS = Object.keys(GROUND_TRUTH);

async function call(url: string, accessToken: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/json',
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`emulator answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Creates the messy items in a company through the emulator's Accounting API; inactive ones are retired. */
export async function seedMessyCompany(
  apiBaseUrl: string,
  realmId: string,
  accessToken: string,
): Promise<void> {
  const url = `${apiBaseUrl}/v3/company/${realmId}/item?minorversion=75`;
  for (const item of MESSY_ITEMS) {
    const created = await call(url, accessToken, {
      Name: item.name,
      Type: item.type,
      IncomeAccountRef: { value: INCOME_ACCOUNT_FOR[item.type] },
      ...(item.sku === undefined ? {} : { Sku: item.sku }),
    });
    if (!item.inactive) continue;
    const entity = created.Item as { Id: string; SyncToken: string };
    await call(url, accessToken, { Id: entity.Id, SyncToken: entity.SyncToken, sparse: true, Active: false });
  }
}

export interface Accuracy {
  keys: number;
  top1: number;
  top3: number;
  /** Keys whose first candidate is not the ground truth: what was expected, what came first. */
  misses: { sourceKey: string; expected: string; first: string | null; expectedRank: number | null }[];
}

/** Top-1 and top-3 accuracy of suggestions against the ground truth, by target name. */
export function measureAccuracy(suggestions: readonly SourceKeySuggestions[]): Accuracy {
  const bySourceKey = new Map(suggestions.map((s) => [s.sourceKey, s.candidates]));
  let top1 = 0;
  let top3 = 0;
  const misses: Accuracy['misses'] = [];
  for (const [sourceKey, expected] of Object.entries(GROUND_TRUTH)) {
    const names = (bySourceKey.get(sourceKey) ?? []).map((candidate) => candidate.targetName);
    const rank = names.indexOf(expected);
    if (rank === 0) top1 += 1;
    if (rank >= 0 && rank < 3) top3 += 1;
    if (rank !== 0) {
      misses.push({ sourceKey, expected, first: names[0] ?? null, expectedRank: rank < 0 ? null : rank + 1 });
    }
  }
  const keys = GROUND_TRUTH_KEYS.length;
  return { keys, top1: top1 / keys, top3: top3 / keys, misses };
}
