/**
 * Feeds the emulator fault rules while a workload runs, so faults are spread over the whole run instead
 * of hitting each realm's first requests in one block: every tick it reads the requests the emulator
 * logged since the last one, gives each realm `share` of a fault per request it made, and spends that
 * credit on one-shot rules (at most one pending rule per realm and kind). It counts a fault only when
 * the emulator's request log names the rule as fired: what was injected, not what was requested.
 */
import type { RequestLogEntry, Sandbox } from '../../sandbox/src/index.js';

export const EMULATOR_FAULT_KINDS = ['commit-then-drop', 'hang', '5xx', '429 storm', '401'] as const;
export type EmulatorFaultKind = (typeof EMULATOR_FAULT_KINDS)[number];

type Control = Sandbox['control'];
type Rule = Parameters<Control['injectFault']>[0];

export interface FeederOptions {
  kinds: readonly EmulatorFaultKind[];
  /** Faults of each kind to inject; the feeder stops adding rules for a kind once this many fired. */
  target: number;
  /** Faults per request of a realm (0.3: about one request in three fails). */
  share: number;
  /** Consecutive 429s in one storm. */
  stormLength: number;
  /** How long a hang holds an invoice create before committing it (past the client's timeout). */
  hangMs: number;
}

export class FaultFeeder {
  readonly injected = new Map<EmulatorFaultKind, number>();
  private readonly kindOf = new Map<string, EmulatorFaultKind>();
  private readonly pending = new Map<string, Map<EmulatorFaultKind, string>>();
  private readonly credit = new Map<string, number>();
  private readonly turn = new Map<string, number>();
  private mark: number;

  constructor(
    private readonly control: Control,
    private readonly realmIds: ReadonlySet<string>,
    private readonly options: FeederOptions,
  ) {
    for (const kind of options.kinds) this.injected.set(kind, 0);
    const last = control.requests().at(-1);
    this.mark = last?.seq ?? 0;
  }

  private rule(realmId: string, kind: EmulatorFaultKind): Rule {
    const create = { realmId, method: 'POST', entity: 'invoice' };
    switch (kind) {
      case 'commit-then-drop':
        return { match: create, action: { type: 'commit-then-drop' } };
      case 'hang':
        return { match: create, action: { type: 'hang', ms: this.options.hangMs, thenCommit: true } };
      case '5xx':
        return { match: { realmId }, action: { type: 'status', status: 503 } };
      case '429 storm':
        return { match: { realmId }, times: this.options.stormLength, action: { type: 'throttle' } };
      case '401':
        return {
          match: { realmId },
          action: { type: 'status', status: 401, fault: { code: '3200', message: 'AuthenticationFailed' } },
        };
    }
  }

  done(): boolean {
    return this.options.kinds.every((kind) => (this.injected.get(kind) ?? 0) >= this.options.target);
  }

  /** Counts what fired since the last read (a hang logs when it ends, so read once more at the end). */
  read(): void {
    const entries: RequestLogEntry[] = this.control.requests({ sinceSeq: this.mark });
    for (const entry of entries) {
      this.mark = Math.max(this.mark, entry.seq);
      const kind = entry.fault ? this.kindOf.get(entry.fault) : undefined;
      if (kind) this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
      if (entry.realmId && this.realmIds.has(entry.realmId)) {
        this.credit.set(entry.realmId, (this.credit.get(entry.realmId) ?? 0) + this.options.share);
      }
    }
  }

  /** Reads what fired since the last tick and tops up the rules. */
  tick(): void {
    this.read();
    const live = new Set(this.control.listFaults().faults.map((rule) => rule.id));
    let pendingOf = new Map<EmulatorFaultKind, number>();
    for (const byKind of this.pending.values()) {
      for (const [kind, id] of byKind) {
        if (!live.has(id)) byKind.delete(kind);
        else pendingOf.set(kind, (pendingOf.get(kind) ?? 0) + 1);
      }
    }
    const kinds = this.options.kinds;
    for (const realmId of this.realmIds) {
      const byKind = this.pending.get(realmId) ?? new Map<EmulatorFaultKind, string>();
      this.pending.set(realmId, byKind);
      let credit = this.credit.get(realmId) ?? 0;
      while (credit >= 1) {
        let added = false;
        for (let i = 0; i < kinds.length && !added; i += 1) {
          const start = this.turn.get(realmId) ?? 0;
          const kind = kinds[(start + i) % kinds.length]!;
          const size = kind === '429 storm' ? this.options.stormLength : 1;
          const expected = (this.injected.get(kind) ?? 0) + (pendingOf.get(kind) ?? 0) * size;
          if (byKind.has(kind) || expected >= this.options.target) continue;
          const rule = this.control.injectFault(this.rule(realmId, kind));
          this.kindOf.set(rule.id, kind);
          byKind.set(kind, rule.id);
          pendingOf = pendingOf.set(kind, (pendingOf.get(kind) ?? 0) + 1);
          this.turn.set(realmId, (start + i + 1) % kinds.length);
          credit -= size;
          added = true;
        }
        if (!added) break;
      }
      // Credit does not pile up while every kind is pending: a burst of faults later would be a storm.
      this.credit.set(realmId, Math.min(credit, kinds.length));
    }
  }

  /** Removes the rules that have not fired (the run is over) and takes a last count. */
  stop(): void {
    this.tick();
    for (const byKind of this.pending.values()) {
      for (const id of byKind.values()) this.control.removeFault(id);
    }
    this.pending.clear();
  }

  describe(): string {
    return this.options.kinds.map((kind) => `${this.injected.get(kind) ?? 0} ${kind}`).join(', ');
  }
}
