import { describe, expect, it } from '@jest/globals';
import type { Models } from '../../../src/models/index.js';
import {
  MappingConflictError,
  MappingService,
  MappingValidationError,
} from '../../../src/services/mappings/mapping-service.js';
import type { AuditRecord } from '../../../src/services/audit-log.js';
import type { ReferenceSnapshot } from '../../../src/services/reference-data/types.js';

const company: ReferenceSnapshot = {
  realmId: 'realm-1',
  asOf: new Date('2026-11-24T10:00:00Z'),
  facts: {
    companyName: 'Plumbing LLC',
    country: 'US',
    taxModel: 'US',
    automatedSalesTax: false,
    customTxnNumbers: false,
    homeCurrency: 'USD',
    multiCurrencyEnabled: false,
  },
  accounts: [],
  items: [
    { id: '1', name: 'Labor', fullyQualifiedName: 'Labor', type: 'Service', active: true, sellable: true },
  ],
  taxCodes: [],
  classes: [],
  terms: [],
};

const storedSet = {
  _id: 'tenant-1',
  realmId: 'realm-1',
  version: 4,
  entries: [
    {
      kind: 'ITEM',
      sourceKey: 'ITEM_KIND:LABOR',
      targetId: '1',
      targetName: 'Labor',
      updatedAt: new Date('2026-11-01T00:00:00Z'),
      updatedBy: 'admin',
    },
  ],
};

/**
 * The mapping collection as a writer sees it while another process keeps writing first: every read
 * answers the stored set, and every compare-and-set finds the version moved on.
 */
function alwaysOutrun() {
  const writes: unknown[] = [];
  const mappingSets = {
    findById: () => ({ lean: async () => structuredClone(storedSet) }),
    updateOne: async (filter: unknown) => {
      writes.push(filter);
      return { matchedCount: 0, upsertedCount: 0 };
    },
  };
  return { writes, models: { mappingSets } as unknown as Pick<Models, 'mappingSets'> };
}

function service(models: Pick<Models, 'mappingSets'>, audited: AuditRecord[] = []) {
  return new MappingService({
    models,
    referenceData: { get: async () => company },
    auditLog: { record: async (entry) => void audited.push(entry) },
    now: () => new Date('2026-11-24T12:00:00Z'),
  });
}

describe('MappingService writes', () => {
  it('gives up with a retryable conflict when another writer wins every compare-and-set, auditing nothing', async () => {
    const { writes, models } = alwaysOutrun();
    const audited: AuditRecord[] = [];
    const mappings = service(models, audited);
    const setting = mappings.set('tenant-1', 'admin', [
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: '1' },
    ]);
    await expect(setting).rejects.toBeInstanceOf(MappingConflictError);
    await expect(setting).rejects.toMatchObject({ retryable: true });
    await expect(mappings.remove('tenant-1', 'admin', 'ITEM', 'ITEM_KIND:LABOR')).rejects.toBeInstanceOf(
      MappingConflictError,
    );
    expect(writes).toHaveLength(6);
    expect(writes[0]).toEqual({ _id: 'tenant-1', version: 4 });
    expect(audited).toEqual([]);
  });

  it('writes nothing when any entry is invalid', async () => {
    const { writes, models } = alwaysOutrun();
    const refused = service(models).set('tenant-1', 'admin', [
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: '1' },
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:SERVICE', targetId: '9' },
    ]);
    await expect(refused).rejects.toBeInstanceOf(MappingValidationError);
    await expect(refused).rejects.toMatchObject({
      retryable: false,
      problems: [{ index: 1, field: 'entries[1].targetId' }],
    });
    expect(writes).toEqual([]);
  });
});
