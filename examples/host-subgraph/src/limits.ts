import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  type GraphQLFormattedError,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { HostErrorCode, queryTooComplex } from './errors.js';

/** Per-operation limits (GRAPHQL_MAX_* in the CLI). */
export interface HostQueryLimits {
  /** Deepest field nesting, leaves counted, fragments flattened */
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Lexical tokens in the document, checked while parsing */
  maxTokens: number;
  /** GraphQL Armor's static cost: 1 per scalar, 2 per object, times 1.5 per level of depth */
  maxCost: number;
}

/**
 * The gateway's defaults (gateway/settings.ts), so the host never refuses what the gateway lets through,
 * and protects itself the same way when it runs alone. The deepest operation the host's tests and the
 * gateway send is 4 levels, the costliest 94, the most aliased 2, the longest 69 tokens
 * (test/real-operations.ts): half of each limit or less.
 */
export const DEFAULT_HOST_QUERY_LIMITS: Readonly<HostQueryLimits> = {
  maxDepth: 8,
  maxAliases: 15,
  maxDirectives: 20,
  maxTokens: 1000,
  maxCost: 5000,
};

/**
 * graphql-js's own message when `parse(source, { maxTokens })` gives up (graphql/language/parser);
 * 16.15 spells it "more that", a later fix may not.
 */
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] (\d+) tokens\. Parsing aborted\.$/;

/**
 * Apollo Server options enforcing the limits. Depth, aliases, directives and cost are GraphQL Armor's
 * validation rules, reporting QUERY_TOO_COMPLEX instead of Armor's BAD_USER_INPUT (and without its
 * "Syntax Error:" prefix: nothing is wrong with the syntax). Tokens are graphql-js's own parser limit:
 * Armor's token plugin throws from a plugin hook, which Apollo answers as an internal error.
 */
export function queryLimitOptions(limits: HostQueryLimits): {
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
} {
  const onReject = [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(queryTooComplex(error.message.replace(/^Syntax Error: /, ''))),
  ];
  // propagateOnRejection: false stops Armor from adding its own report (or throwing).
  const rejection = { onReject, propagateOnRejection: false, exposeLimits: true };
  const { validationRules } = new ApolloArmor({
    // The demo host serves introspection anyway; suggestions only help people writing queries.
    blockFieldSuggestion: { enabled: false },
    maxTokens: { enabled: false },
    // Flattened: the gateway's `_entities { ... on Invoice { ... } }` is not a level deeper.
    maxDepth: { n: limits.maxDepth, flattenFragments: true, ...rejection },
    maxAliases: { n: limits.maxAliases, ...rejection },
    maxDirectives: { n: limits.maxDirectives, ...rejection },
    costLimit: { maxCost: limits.maxCost, flattenFragments: true, ...rejection },
  }).protect();
  return { validationRules, parseOptions: { maxTokens: limits.maxTokens } };
}

/**
 * The QUERY_TOO_COMPLEX form of a refused operation, or undefined for any other error. Apollo reports
 * every validation error as GRAPHQL_VALIDATION_FAILED, keeping the rule's own error as originalError.
 */
export function asQueryTooComplex(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError | undefined {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  if (original instanceof GraphQLError && original.extensions.code === HostErrorCode.QUERY_TOO_COMPLEX) {
    return { ...formatted, extensions: { code: HostErrorCode.QUERY_TOO_COMPLEX } };
  }
  const tokens =
    formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT_MESSAGE.exec(formatted.message);
  if (tokens) {
    return {
      message: `Token limit of ${tokens[1]} exceeded.`,
      extensions: { code: HostErrorCode.QUERY_TOO_COMPLEX },
    };
  }
  return undefined;
}
