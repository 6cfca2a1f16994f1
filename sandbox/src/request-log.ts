export type RequestOutcome = 'pending' | 'responded' | 'dropped' | 'hung';

export interface RequestLogEntry {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: string;
  realmId: string | null;
  entity: string | null;
  operation: string | null;
  requestid: string | null;
  clientId: string | null;
  /** null while in flight; 0 when the connection was dropped without an answer. */
  status: number | null;
  outcome: RequestOutcome;
  intuitTid: string;
  /** Answered from the requestid cache instead of being executed again. */
  replayed: boolean;
  /** The minor version the request was answered as (API calls only; §3.2). */
  minorVersion: number | null;
  /** Id of the fault rule that fired, if any. */
  fault: string | null;
  durationMs: number | null;
}

export interface RequestLogFilter {
  sinceSeq?: number;
  realmId?: string;
  path?: string;
  limit?: number;
}

/** Every request received (control routes excepted), newest last; bounded so benchmarks do not grow it. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;

  constructor(private readonly maxEntries: () => number) {}

  start(
    entry: Omit<
      RequestLogEntry,
      'seq' | 'status' | 'outcome' | 'replayed' | 'minorVersion' | 'fault' | 'durationMs'
    >,
  ): RequestLogEntry {
    const full: RequestLogEntry = {
      ...entry,
      seq: ++this.seq,
      status: null,
      outcome: 'pending',
      replayed: false,
      minorVersion: null,
      fault: null,
      durationMs: null,
    };
    this.entries.push(full);
    const max = this.maxEntries();
    if (this.entries.length > max * 1.25) this.entries = this.entries.slice(this.entries.length - max);
    return full;
  }

  list(filter: RequestLogFilter = {}): RequestLogEntry[] {
    const max = this.maxEntries();
    let result = this.entries.length > max ? this.entries.slice(this.entries.length - max) : this.entries;
    if (filter.sinceSeq !== undefined) {
      const since = filter.sinceSeq;
      result = result.filter((e) => e.seq > since);
    }
    if (filter.realmId !== undefined) result = result.filter((e) => e.realmId === filter.realmId);
    if (filter.path !== undefined) {
      const path = filter.path;
      result = result.filter((e) => e.path.includes(path));
    }
    if (filter.limit !== undefined) result = result.slice(-filter.limit);
    return result.map((e) => ({ ...e }));
  }

  lastSeq(): number {
    return this.seq;
  }

  clear(): void {
    this.entries = [];
  }
}
