import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { badUserInput } from '../resolvers/errors.js';

/**
 * The paging convention for every list that can grow (sync logs, invoices awaiting mapping, ...):
 * Relay-style connections with forward paging (`first`/`after`), `edges { cursor node }` and `nodes`,
 * `pageInfo`, opaque cursors, a default and a maximum page size. See the README's "Conventions".
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ObjectType({ description: 'Where a page sits in its list (Relay cursor connections)' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Always false: paging is forward only (first/after)' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor?: string | null;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page' })
  endCursor?: string | null;
}

@ArgsType()
export class ForwardPageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `How many items, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "The previous page's pageInfo.endCursor" })
  after?: string | null;
}

export interface Edge<TNode> {
  cursor: string;
  node: TNode;
}

export interface ConnectionShape<TNode> {
  edges: Edge<TNode>[];
  nodes: TNode[];
  pageInfo: PageInfo;
}

/**
 * A connection type for one node type: `class SyncLogConnection extends Connection(SyncLog, 'SyncLog') {}`
 * gives `SyncLogConnection { edges: [SyncLogEdge!]! nodes: [SyncLog!]! pageInfo: PageInfo! }`.
 */
export function Connection<TNode extends object>(nodeType: ClassType<TNode>, name: string) {
  @ObjectType(`${name}Edge`)
  class EdgeType implements Edge<TNode> {
    @Field(() => String)
    cursor!: string;

    @Field(() => nodeType)
    node!: TNode;
  }

  // An abstract class: type-graphql emits only the concrete subclass (type-graphql's generic-types example).
  @ObjectType()
  abstract class ConnectionType implements ConnectionShape<TNode> {
    @Field(() => [EdgeType])
    edges!: Edge<TNode>[];

    @Field(() => [nodeType], { description: 'The nodes of `edges`, for clients that need no cursors' })
    nodes!: TNode[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

/** Cursors are opaque to clients: base64url of the JSON sort key of the last item. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string): Record<string, string | number> {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof key === 'object' && key !== null && !Array.isArray(key)) {
      return key as Record<string, string | number>;
    }
  } catch {
    // Answered below: a cursor is only ever one we issued.
  }
  throw badUserInput('after is not a cursor from this list', 'after');
}

/** Validates `first`/`after` into what a query needs: fetch `limit + 1` rows to know `hasNextPage`. */
export function readPageArgs(args: ForwardPageArgs): {
  limit: number;
  after?: Record<string, string | number>;
} {
  const limit = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return { limit, ...(args.after ? { after: decodeCursor(args.after) } : {}) };
}

/** Builds the connection from up to `limit + 1` rows read after the cursor, in order. */
export function toConnection<TNode>(
  rows: readonly TNode[],
  limit: number,
  cursorKeyOf: (node: TNode) => Record<string, string | number>,
): ConnectionShape<TNode> {
  const nodes = rows.slice(0, limit);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(cursorKeyOf(node)), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: rows.length > limit,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
