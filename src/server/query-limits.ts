import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { QueryLimits } from '../config.js';
import { queryTooComplex } from '../resolvers/errors.js';

export type { QueryLimits };

/**
 * graphql-js's own message when `parse(..., { maxTokens })` gives up (graphql/language/parser; 16.x spells
 * it "more that").
 */
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] (\d+) tokens\. Parsing aborted\.$/;

/** Whether a parse failure is the token limit, so it can be answered as QUERY_TOO_COMPLEX. */
export function tokenLimitOf(error: { message: string }): number | undefined {
  const match = TOKEN_LIMIT_MESSAGE.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

/**
 * GraphQL Armor's rules (depth, cost, aliases, directives) report a QUERY_TOO_COMPLEX error instead of
 * Armor's default BAD_USER_INPUT, and without its "Syntax Error:" prefix (it is not a syntax error).
 * The token limit is graphql-js's own parser option, checked before a document is even built: Armor's
 * Apollo token plugin throws from a plugin hook, which Apollo answers as an internal error (HTTP 500).
 */
export function createQueryLimits(limits: QueryLimits): {
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
} {
  const onReject = [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(queryTooComplex(error.message.replace(/^Syntax Error: /, ''))),
  ];
  // propagateOnRejection: false stops Armor from adding its own BAD_USER_INPUT report (or throwing).
  const rejection = { onReject, propagateOnRejection: false, exposeLimits: true };
  const { validationRules } = new ApolloArmor({
    // Apollo Server's hideSchemaDetailsFromClientErrors removes "Did you mean" where introspection is off.
    blockFieldSuggestion: { enabled: false },
    // Armor's token counter throws from Apollo's parsingDidStart; graphql-js's maxTokens is used instead.
    maxTokens: { enabled: false },
    maxDepth: { n: limits.maxDepth, ...rejection },
    maxAliases: { n: limits.maxAliases, ...rejection },
    maxDirectives: { n: limits.maxDirectives, ...rejection },
    costLimit: { maxCost: limits.maxCost, ...rejection },
  }).protect();
  return { validationRules, parseOptions: { maxTokens: limits.maxTokens } };
}

/**
 * Parses and validates a document the way the server does, with every limit: for transports that do not
 * run through Apollo Server (graphql-ws) and for tests that check real operations fit the limits.
 */
export function checkOperation(
  schema: GraphQLSchema,
  source: string,
  limits: QueryLimits,
): { document?: DocumentNode; errors: readonly GraphQLError[] } {
  const { validationRules, parseOptions } = createQueryLimits(limits);
  let document: DocumentNode;
  try {
    document = parse(source, parseOptions);
  } catch (error) {
    const limit = error instanceof GraphQLError ? tokenLimitOf(error) : undefined;
    if (limit !== undefined) return { errors: [queryTooComplex(`Token limit of ${limit} exceeded.`)] };
    throw error;
  }
  return { document, errors: validate(schema, document, [...specifiedRules, ...validationRules]) };
}
