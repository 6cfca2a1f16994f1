import type { Logger } from '../logger.js';
import type { Models } from '../models/index.js';
import type { QuickBooksClient } from '../quickbooks/client.js';
import { isQuickBooksError } from '../quickbooks/errors.js';
import type { CustomerDirectory, RealmCustomers } from './customer-directory.js';
import {
  createRequestIdFor,
  displayNameFor,
  emailOf,
  isSameParty,
  normaliseEmail,
  platformKeyOf,
  queryableLiteral,
  type CustomerCandidate,
} from './customer-identity.js';
import type { PlatformBillTo } from './platform-invoice.js';

/** How many " (n)" names are tried before giving up: beyond a handful, a person should look. */
const MAX_DISPLAY_NAME_ORDINAL = 9;
const DUPLICATE_KEY = 11000;

export type CustomerUpsertErrorKind =
  /** The linked customer was made inactive in QuickBooks: reactivate it or unlink; never re-created silently. */
  | 'link_inactive'
  /** The linked customer no longer exists in QuickBooks. */
  | 'link_missing'
  /** The matched QuickBooks customer is already linked to another party of this tenant. */
  | 'link_conflict'
  /** Every " (n)" DisplayName up to the limit is taken by someone else. */
  | 'display_name_exhausted';

/** A failure a person must resolve; QuickBooks errors pass through as QuickBooksError. */
export class CustomerUpsertError extends Error {
  override readonly name = 'CustomerUpsertError';
  readonly retryable = false;
  constructor(
    readonly kind: CustomerUpsertErrorKind,
    message: string,
    readonly quickbooksCustomerId?: string,
  ) {
    super(message);
  }
}

type CustomerClient = Pick<QuickBooksClient, 'read' | 'queryPage' | 'query' | 'create' | 'changeDataCapture'>;

export interface CustomerUpserterDeps {
  models: Pick<Models, 'customerLinks'>;
  clientFor(tenantId: string, realmId: string): CustomerClient;
  now: () => Date;
  logger: Pick<Logger, 'info' | 'warn'>;
  /**
   * The company's customers in memory (customer-directory.ts): a first push then costs at most one CDC call
   * instead of an e-mail and a DisplayName query. Without it, every match is queried.
   */
  directory?: CustomerDirectory;
}

/** How the company taxes, for the customer a create makes. */
export interface CustomerOptions {
  /**
   * A US company: the customer is created taxable. The platform decides tax per line (untaxed lines are
   * sent as NON), while a US customer created without Taxable is not taxable, and automated sales tax then
   * charges nothing and ignores the tax we send ("the taxability of the customer in question", Intuit blog
   * 2018-03-28).
   */
  usSalesTax?: boolean;
}

interface Party {
  tenantId: string;
  realmId: string;
  usSalesTax?: boolean;
  platformKey: string;
  billTo: PlatformBillTo;
  email: string | undefined;
  client: CustomerClient;
}

interface Claim {
  ordinal: number;
  requestId: string;
  body: Record<string, unknown>;
}

/**
 * The bill-to party's QuickBooks customer, in this order:
 * 1. The stored link, trusted without a read: reading it back on every push doubled the QuickBooks calls
 *    of a steady-state push, and the invoice write itself tells when the customer is gone (2500, or 610
 *    when inactive). The push then calls `verifyLinkedCustomer`, which reads it and reports an inactive or
 *    missing one (`link_inactive` / `link_missing`); it is never silently replaced, since invoices already
 *    point at it.
 * 2. An active customer with the party's e-mail (PrimaryEmailAddr), then one with its normalised
 *    DisplayName whose e-mail does not contradict the party's (isSameParty). With a directory, matched in
 *    memory on a copy refreshed by CDC at most a few seconds ago (names an inactive customer holds are
 *    skipped to the next " (n)"); without one, or for a company too large to hold, by queries.
 * 3. A create under a deterministic requestid, stored (with the exact body) as a CREATING link before the
 *    first send. An ambiguous failure is followed by a look-up before the resend; a CREATING link found on
 *    a later call is looked up, then resent with the same requestid and body.
 * 6240 (the DisplayName is taken by a customer, inactive ones included, a vendor or an employee, §6.2):
 * if an active customer that is this party holds it (a concurrent create), that one is linked; otherwise
 * the party is created as "Name (2)", then "(3)", ... up to MAX_DISPLAY_NAME_ORDINAL. An inactive
 * customer is not reactivated: making it active again is a decision for the person keeping the books.
 * Links are only inserted or completed from our own CREATING link; the unique indexes refuse a second link
 * for the party or for the QuickBooks customer (`link_conflict`).
 */
export class CustomerUpserter {
  constructor(private readonly deps: CustomerUpserterDeps) {}

  async ensureCustomer(
    tenantId: string,
    realmId: string,
    billTo: PlatformBillTo,
    options: CustomerOptions = {},
  ): Promise<string> {
    const party: Party = {
      tenantId,
      realmId,
      ...(options.usSalesTax ? { usSalesTax: true } : {}),
      platformKey: platformKeyOf(billTo),
      billTo,
      email: normaliseEmail(billTo.email),
      client: this.deps.clientFor(tenantId, realmId),
    };
    const link = await this.findLink(party);
    if (link?.state === 'LINKED') return link.quickbooksCustomerId;
    if (link?.state === 'CREATING') {
      // An earlier attempt stored its claim and may have sent it before dying: look up before resending,
      // since Intuit's requestid replay is only kept for a while (§3.7).
      const claim = claimOf(link);
      const sent = await this.match(party, String(claim.body.DisplayName));
      return sent ? this.recordLink(party, sent) : this.create(party, claim);
    }

    const known = await this.deps.directory?.fresh(tenantId, realmId, party.client);
    let ordinal = 1;
    if (known) {
      const decision = decide(party, known);
      if ('match' in decision) return this.recordLink(party, decision.match);
      ordinal = decision.ordinal;
    } else {
      const matched = await this.match(party, displayNameFor(billTo.name));
      if (matched) return this.recordLink(party, matched);
    }
    let claim: Claim;
    try {
      claim = await this.claim(party, ordinal);
    } catch (error) {
      if (error instanceof LinkedMeanwhile) return error.quickbooksCustomerId;
      throw error;
    }
    return this.create(party, claim);
  }

  /**
   * Reads the linked customer and throws `link_inactive` / `link_missing` when QuickBooks can no longer use
   * it; returns the id when it is active. Called after QuickBooks refused an invoice naming it.
   */
  verifyLinkedCustomer(tenantId: string, realmId: string, quickbooksCustomerId: string): Promise<string> {
    return this.verifyLinked(this.deps.clientFor(tenantId, realmId), quickbooksCustomerId);
  }

  private findLink(party: Party) {
    return this.deps.models.customerLinks
      .findOne({ tenantId: party.tenantId, realmId: party.realmId, platformKey: party.platformKey })
      .lean();
  }

  private async verifyLinked(client: CustomerClient, id: string): Promise<string> {
    try {
      const { entity } = await client.read('Customer', id);
      if (entity.Active === false) {
        throw new CustomerUpsertError(
          'link_inactive',
          `QuickBooks customer ${id} linked to this bill-to is inactive; reactivate it or remove the link`,
          id,
        );
      }
      return id;
    } catch (error) {
      // A read of a missing entity answers 610 (bad_reference) or not_found depending on the setting (§5.5).
      if (isQuickBooksError(error, 'not_found') || isQuickBooksError(error, 'bad_reference')) {
        throw new CustomerUpsertError(
          'link_missing',
          `QuickBooks customer ${id} linked to this bill-to no longer exists; remove the link to create a new one`,
          id,
        );
      }
      throw error;
    }
  }

  /** E-mail first (it survives renames), then DisplayName; both among active customers only. */
  private async match(party: Party, displayName: string): Promise<CustomerCandidate | undefined> {
    if (party.email) {
      const byEmail = await this.search(
        party,
        'PrimaryEmailAddr',
        party.email,
        (c) => emailOf(c) === party.email,
      );
      if (byEmail.length > 0) {
        return byEmail.find((c) => isSameParty(c, displayName, party.email)) ?? byEmail[0];
      }
    }
    const byName = await this.search(party, 'DisplayName', displayName, (c) =>
      isSameParty(c, displayName, party.email),
    );
    return byName[0];
  }

  /**
   * Active customers whose `field` equals `value`, by an exact query when the value can be a literal; else
   * by LIKE on its longest safe prefix (or the whole list) and `accept` on our side (see queryableLiteral).
   */
  private async search(
    party: Party,
    field: 'PrimaryEmailAddr' | 'DisplayName',
    value: string,
    accept: (candidate: CustomerCandidate) => boolean,
  ): Promise<CustomerCandidate[]> {
    const { literal, complete } = queryableLiteral(value);
    let sql: string;
    if (complete) sql = `SELECT * FROM Customer WHERE ${field} = '${literal}' ORDERBY Id`;
    else if (literal !== '' && field === 'DisplayName')
      sql = `SELECT * FROM Customer WHERE DisplayName LIKE '${literal}%' ORDERBY Id`;
    else sql = 'SELECT * FROM Customer ORDERBY Id';
    const found: CustomerCandidate[] = [];
    for await (const row of party.client.query<CustomerCandidate & Record<string, unknown>>(sql)) {
      if (row.Active !== false && accept(row)) found.push(row);
    }
    return found;
  }

  /** The CREATING link, written before the first send; a concurrent claimant's claim is resumed instead. */
  private async claim(party: Party, ordinal: number): Promise<Claim> {
    const claim = claimFor(party, ordinal);
    try {
      await this.deps.models.customerLinks.create({
        tenantId: party.tenantId,
        realmId: party.realmId,
        platformKey: party.platformKey,
        state: 'CREATING',
        quickbooksCustomerId: `creating:${claim.requestId}`,
        displayName: String(claim.body.DisplayName),
        createRequestId: claim.requestId,
        createOrdinal: claim.ordinal,
        createBody: claim.body,
      });
      return claim;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.findLink(party);
      if (!existing) throw error;
      if (existing.state === 'LINKED') throw new LinkedMeanwhile(existing.quickbooksCustomerId);
      return claimOf(existing);
    }
  }

  private async create(party: Party, first: Claim): Promise<string> {
    let claim = first;
    for (;;) {
      const displayName = String(claim.body.DisplayName);
      try {
        const { entity } = await this.send(party, claim);
        this.deps.directory?.remember(party.tenantId, party.realmId, entity);
        return await this.recordLink(party, entity);
      } catch (error) {
        if (error instanceof LinkedMeanwhile) return error.quickbooksCustomerId;
        if (!(isQuickBooksError(error, 'validation') && error.code === '6240')) throw error;
        // 6240 spans customers (inactive ones too), vendors and employees (§6.2). An active customer that is
        // this party (a concurrent create, or one made meanwhile) is linked; anyone else keeps the name.
        const same = await this.match(party, displayName);
        if (same) return this.recordLink(party, same);
        if (claim.ordinal >= MAX_DISPLAY_NAME_ORDINAL) {
          throw new CustomerUpsertError(
            'display_name_exhausted',
            `DisplayName "${displayName}" and its numbered variants are taken in QuickBooks`,
          );
        }
        this.deps.logger.info(
          { realmId: party.realmId, displayName, ordinal: claim.ordinal + 1 },
          'customer DisplayName taken by another record; creating a numbered name',
        );
        claim = await this.advanceClaim(party, claim);
      }
    }
  }

  /**
   * Sends the create; after an ambiguous failure (the create may have committed) looks the name up first
   * and only then resends under the same requestid, which QuickBooks answers from its stored result.
   */
  private async send(party: Party, claim: Claim) {
    try {
      return await party.client.create('Customer', claim.body, { requestId: claim.requestId });
    } catch (error) {
      if (!isQuickBooksError(error, 'ambiguous')) throw error;
      this.deps.logger.warn(
        { realmId: party.realmId, requestId: claim.requestId },
        'customer create ambiguous; looking it up',
      );
      const existing = await this.match(party, String(claim.body.DisplayName));
      if (existing) return { entity: existing };
      return party.client.create('Customer', claim.body, { requestId: claim.requestId });
    }
  }

  /** Moves the CREATING link to the next " (n)" name, only if it still holds the attempt we made. */
  private async advanceClaim(party: Party, current: Claim): Promise<Claim> {
    const next = claimFor(party, current.ordinal + 1);
    const updated = await this.deps.models.customerLinks
      .findOneAndUpdate(
        { ...linkKey(party), state: 'CREATING', createRequestId: current.requestId },
        {
          $set: {
            quickbooksCustomerId: `creating:${next.requestId}`,
            displayName: next.body.DisplayName,
            createRequestId: next.requestId,
            createBody: next.body,
          },
        },
        { returnDocument: 'after' },
      )
      .lean();
    if (updated) return next;
    const existing = await this.findLink(party);
    if (existing?.state === 'LINKED') throw new LinkedMeanwhile(existing.quickbooksCustomerId);
    if (existing?.state === 'CREATING') return claimOf(existing);
    return this.claim(party, next.ordinal);
  }

  /**
   * Records the link without ever overwriting another: an insert (or the completion of our own CREATING
   * link); the unique indexes refuse a second link for the party or for the QuickBooks customer.
   */
  private async recordLink(party: Party, customer: CustomerCandidate): Promise<string> {
    const links = this.deps.models.customerLinks;
    const fields = {
      state: 'LINKED' as const,
      quickbooksCustomerId: customer.Id,
      displayName: typeof customer.DisplayName === 'string' ? customer.DisplayName : party.billTo.name,
      linkedAt: this.deps.now(),
    };
    try {
      const completed = await links
        .findOneAndUpdate(
          { ...linkKey(party), state: 'CREATING' },
          { $set: fields, $unset: { createRequestId: 1, createOrdinal: 1, createBody: 1 } },
          { returnDocument: 'after' },
        )
        .lean();
      if (!completed) await links.create({ ...linkKey(party), ...fields });
      return customer.Id;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.findLink(party);
      if (existing?.state === 'LINKED' && existing.quickbooksCustomerId === customer.Id) return customer.Id;
      // Linked meanwhile by a concurrent call: trusted like any stored link.
      if (existing?.state === 'LINKED') return existing.quickbooksCustomerId;
      throw new CustomerUpsertError(
        'link_conflict',
        `QuickBooks customer ${customer.Id} is already linked to another bill-to of this tenant`,
        customer.Id,
      );
    }
  }
}

/**
 * The match-or-create decision on a fresh directory, with the rules of the queried path: an active customer
 * with the party's e-mail (the one that is also the party by name first); else an active customer that is
 * the party under its DisplayName, or under a " (n)" name a former 6240 gave it; else the first name no
 * customer holds (an inactive one still holds it, §6.2), so a create QuickBooks would refuse is not sent.
 * Vendors and employees are not in the directory: their 6240 is still handled by `create`.
 */
function decide(party: Party, known: RealmCustomers): { match: CustomerCandidate } | { ordinal: number } {
  const displayName = displayNameFor(party.billTo.name);
  if (party.email) {
    const byEmail = known.withEmail(party.email).filter((c) => c.Active);
    if (byEmail.length > 0) {
      return { match: byEmail.find((c) => isSameParty(c, displayName, party.email)) ?? byEmail[0]! };
    }
  }
  for (let ordinal = 1; ordinal <= MAX_DISPLAY_NAME_ORDINAL; ordinal += 1) {
    const name = displayNameFor(party.billTo.name, ordinal);
    const holders = known.named(name);
    const same = holders.find((c) => c.Active && isSameParty(c, name, party.email));
    if (same) return { match: same };
    if (holders.length === 0) return { ordinal };
  }
  // Every numbered name is held: the create's 6240 ends it with display_name_exhausted, as without a directory.
  return { ordinal: MAX_DISPLAY_NAME_ORDINAL };
}

/** Control flow: another call for the same party finished first. */
class LinkedMeanwhile extends Error {
  constructor(readonly quickbooksCustomerId: string) {
    super('the party was linked meanwhile');
  }
}

function linkKey(party: Party) {
  return { tenantId: party.tenantId, realmId: party.realmId, platformKey: party.platformKey };
}

function claimFor(party: Party, ordinal: number): Claim {
  const body: Record<string, unknown> = { DisplayName: displayNameFor(party.billTo.name, ordinal) };
  if (party.email) body.PrimaryEmailAddr = { Address: party.billTo.email?.trim() };
  const phone = party.billTo.phone?.trim();
  if (phone) body.PrimaryPhone = { FreeFormNumber: phone };
  if (party.usSalesTax) body.Taxable = true;
  const address = party.billTo.address;
  if (address) {
    body.BillAddr = {
      Line1: address.line1,
      ...(address.line2 ? { Line2: address.line2 } : {}),
      City: address.city,
      ...(address.region ? { CountrySubDivisionCode: address.region } : {}),
      ...(address.postalCode ? { PostalCode: address.postalCode } : {}),
      Country: address.country,
    };
  }
  return {
    ordinal,
    requestId: createRequestIdFor(party.tenantId, party.realmId, party.platformKey, ordinal),
    body,
  };
}

function claimOf(link: {
  createRequestId?: string | null;
  createOrdinal?: number | null;
  createBody?: unknown;
  displayName: string;
}): Claim {
  // createBody is Mixed: the object claimFor built, read back as it was written.
  const body = (link.createBody ?? { DisplayName: link.displayName }) as Record<string, unknown>;
  return { ordinal: link.createOrdinal ?? 1, requestId: link.createRequestId ?? '', body };
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;
}
