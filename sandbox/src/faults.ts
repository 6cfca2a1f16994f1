import { z } from 'zod';

/** What a rule can match on; every field is optional and all given fields must match. */
export const faultMatchSchema = z
  .object({
    /** HTTP method, e.g. POST. */
    method: z.string().optional(),
    /** Substring of the path (without query string), e.g. `/invoice` or `/oauth2/v1/tokens/bearer`. */
    path: z.string().optional(),
    /** Entity name or URL segment: `Invoice` or `invoice`; `query`, `batch`, `cdc` also work. */
    entity: z.string().optional(),
    realmId: z.string().optional(),
    /** API operation: create, read, update, delete, void, query, batch, cdc; or token, authorize, revoke. */
    operation: z.string().optional(),
  })
  .strict();

const faultEnvelopeSchema = z
  .object({
    code: z.string(),
    message: z.string().optional(),
    detail: z.string().optional(),
    type: z.string().optional(),
    format: z.enum(['json', 'xml', 'json-lowercase']).optional(),
  })
  .strict();

export const faultActionSchema = z.discriminatedUnion('type', [
  /** Answer with this status and either an Intuit fault envelope or a raw body. */
  z
    .object({
      type: z.literal('status'),
      status: z.number().int().min(100).max(599),
      fault: faultEnvelopeSchema.optional(),
      body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
      headers: z.record(z.string(), z.string()).optional(),
    })
    .strict(),
  /** Intuit's 429 / code 3001 XML answer. */
  z.object({ type: z.literal('throttle') }).strict(),
  /** Hold the request (past the client's timeout); then drop it, or process it if thenCommit. */
  z
    .object({
      type: z.literal('hang'),
      ms: z.number().int().min(0).optional(),
      thenCommit: z.boolean().optional(),
    })
    .strict(),
  /** Close the connection without processing the request. */
  z.object({ type: z.literal('drop') }).strict(),
  /** Process and commit the request, then close the connection instead of answering. */
  z.object({ type: z.literal('commit-then-drop') }).strict(),
]);

export const faultRuleSchema = z
  .object({
    match: faultMatchSchema.optional(),
    /** How many matching requests fail; omitted = 1, null = until removed. */
    times: z.number().int().min(1).nullable().optional(),
    action: faultActionSchema,
  })
  .strict();

export const latencyRuleSchema = z
  .object({
    match: faultMatchSchema.optional(),
    times: z.number().int().min(1).nullable().optional(),
    fixedMs: z.number().min(0).optional(),
    distribution: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('uniform'), minMs: z.number().min(0), maxMs: z.number().min(0) }).strict(),
        z
          .object({ type: z.literal('normal'), meanMs: z.number().min(0), stdDevMs: z.number().min(0) })
          .strict(),
        z.object({ type: z.literal('exponential'), meanMs: z.number().min(0) }).strict(),
      ])
      .optional(),
  })
  .strict();

export type FaultMatch = z.infer<typeof faultMatchSchema>;
export type FaultAction = z.infer<typeof faultActionSchema>;
export type FaultRuleInput = z.infer<typeof faultRuleSchema>;
export type LatencyRuleInput = z.infer<typeof latencyRuleSchema>;

export interface FaultRule {
  id: string;
  match: FaultMatch;
  action: FaultAction;
  remaining: number | null;
  hits: number;
}

export interface LatencyRule {
  id: string;
  match: FaultMatch;
  remaining: number | null;
  fixedMs: number;
  distribution: LatencyRuleInput['distribution'];
  hits: number;
}

export interface RequestTarget {
  method: string;
  path: string;
  realmId: string | undefined;
  entity: string | undefined;
  operation: string | undefined;
}

function matches(match: FaultMatch, target: RequestTarget): boolean {
  if (match.method && match.method.toUpperCase() !== target.method) return false;
  if (match.path && !target.path.includes(match.path)) return false;
  if (match.realmId && match.realmId !== target.realmId) return false;
  if (match.entity && match.entity.toLowerCase() !== target.entity?.toLowerCase()) return false;
  if (match.operation && match.operation.toLowerCase() !== target.operation?.toLowerCase()) return false;
  return true;
}

/** Fault and latency rules for the next N matching requests, first registered first served. */
export class FaultInjector {
  private faults: FaultRule[] = [];
  private latencies: LatencyRule[] = [];
  private counter = 0;

  addFault(input: FaultRuleInput): FaultRule {
    const parsed = faultRuleSchema.parse(input);
    const rule: FaultRule = {
      id: `fault-${++this.counter}`,
      match: parsed.match ?? {},
      action: parsed.action,
      remaining: parsed.times === undefined ? 1 : parsed.times,
      hits: 0,
    };
    this.faults.push(rule);
    return rule;
  }

  addLatency(input: LatencyRuleInput): LatencyRule {
    const parsed = latencyRuleSchema.parse(input);
    const rule: LatencyRule = {
      id: `latency-${++this.counter}`,
      match: parsed.match ?? {},
      remaining: parsed.times === undefined ? null : parsed.times,
      fixedMs: parsed.fixedMs ?? 0,
      distribution: parsed.distribution,
      hits: 0,
    };
    this.latencies.push(rule);
    return rule;
  }

  /** Consumes one use of the first matching fault rule. */
  takeFault(target: RequestTarget): FaultRule | undefined {
    if (this.faults.length === 0) return undefined;
    const rule = this.faults.find((r) => matches(r.match, target));
    if (!rule) return undefined;
    rule.hits += 1;
    if (rule.remaining !== null) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.faults = this.faults.filter((r) => r !== rule);
    }
    return rule;
  }

  takeLatencyMs(target: RequestTarget): number {
    if (this.latencies.length === 0) return 0;
    const rule = this.latencies.find((r) => matches(r.match, target));
    if (!rule) return 0;
    rule.hits += 1;
    if (rule.remaining !== null) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.latencies = this.latencies.filter((r) => r !== rule);
    }
    return Math.max(0, rule.fixedMs + sample(rule.distribution));
  }

  list(): { faults: FaultRule[]; latency: LatencyRule[] } {
    return { faults: [...this.faults], latency: [...this.latencies] };
  }

  remove(id: string): boolean {
    const before = this.faults.length + this.latencies.length;
    this.faults = this.faults.filter((r) => r.id !== id);
    this.latencies = this.latencies.filter((r) => r.id !== id);
    return this.faults.length + this.latencies.length < before;
  }

  clearFaults(): void {
    this.faults = [];
  }

  clearLatency(): void {
    this.latencies = [];
  }
}

function sample(distribution: LatencyRuleInput['distribution']): number {
  if (!distribution) return 0;
  switch (distribution.type) {
    case 'uniform':
      return distribution.minMs + Math.random() * Math.max(0, distribution.maxMs - distribution.minMs);
    case 'normal': {
      // Box-Muller transform.
      const u = 1 - Math.random();
      const v = Math.random();
      return (
        distribution.meanMs + distribution.stdDevMs * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
      );
    }
    case 'exponential':
      return -distribution.meanMs * Math.log(1 - Math.random());
  }
}
