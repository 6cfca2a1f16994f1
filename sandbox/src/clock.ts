/**
 * The emulator's notion of "now". Token expiry, rate-limit windows, requestid retention, CDC lookback and
 * MetaData timestamps all read it, so a test can expire a 3600 s access token by advancing the clock instead
 * of waiting an hour. Webhook retry timers use real time (compressible through settings) because they must
 * fire without anyone advancing the clock.
 */
export class Clock {
  private offsetMs = 0;
  private frozenAt: number | null = null;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  /** Jump to an absolute instant; time keeps running from there unless frozen. */
  set(instant: number | string | Date, options: { freeze?: boolean } = {}): void {
    const target = toMillis(instant);
    if (options.freeze) {
      this.frozenAt = target;
      return;
    }
    this.frozenAt = null;
    this.offsetMs = target - Date.now();
  }

  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  reset(): void {
    this.offsetMs = 0;
    this.frozenAt = null;
  }

  describe(): { now: string; nowMs: number; offsetMs: number; frozen: boolean } {
    const now = this.now();
    return {
      now: new Date(now).toISOString(),
      nowMs: now,
      offsetMs: this.frozenAt === null ? this.offsetMs : this.frozenAt - Date.now(),
      frozen: this.frozenAt !== null,
    };
  }
}

export class ClockError extends Error {
  override readonly name = 'ClockError';
}

function toMillis(instant: number | string | Date): number {
  const ms =
    instant instanceof Date ? instant.getTime() : typeof instant === 'number' ? instant : Date.parse(instant);
  if (!Number.isFinite(ms)) throw new ClockError(`not a valid instant: ${String(instant)}`);
  return ms;
}
