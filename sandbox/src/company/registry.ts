import type { NameMatch, RealmOptions } from './realm.js';
import { Realm } from './realm.js';
import { createSeededRealm } from './seed.js';

export class RealmError extends Error {
  override readonly name = 'RealmError';
}

/** The companies this emulator hosts; reset() reseeds them from the start-up options. */
export class RealmRegistry {
  private readonly realms = new Map<string, Realm>();
  private readonly extra: RealmOptions[] = [];

  constructor(
    private readonly initial: RealmOptions[],
    private readonly nameMatch: () => NameMatch,
  ) {
    this.reset(false);
  }

  /** keepAdded: also reseed realms created at run time through the control surface. */
  reset(keepAdded: boolean): void {
    this.realms.clear();
    if (!keepAdded) this.extra.length = 0;
    [...this.initial, ...this.extra].forEach((options, index) => this.add(options, index));
  }

  create(options: RealmOptions): Realm {
    const realm = this.add(options, this.initial.length + this.extra.length);
    this.extra.push({ ...options, realmId: realm.realmId });
    return realm;
  }

  private add(options: RealmOptions, index: number): Realm {
    if (options.realmId !== undefined && this.realms.has(options.realmId)) {
      throw new RealmError(`realm ${options.realmId} already exists`);
    }
    const realm = createSeededRealm(options, index, this.nameMatch);
    if (this.realms.has(realm.realmId)) throw new RealmError(`realm ${realm.realmId} already exists`);
    this.realms.set(realm.realmId, realm);
    return realm;
  }

  get(realmId: string): Realm | undefined {
    return this.realms.get(realmId);
  }

  list(): Realm[] {
    return [...this.realms.values()];
  }
}
