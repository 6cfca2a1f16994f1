import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { parseDecimal } from './decimal.js';

function badScalar(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

function checkDecimal(value: unknown): string {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string' || text.length > 32 || !parseDecimal(text)) {
    throw badScalar('Decimal must be a plain decimal number such as "129.99" (a string, or a JSON number)');
  }
  return text.trim();
}

/**
 * Exact decimals on the wire as strings ("1249.99"), so no client or gateway rounds them through a
 * double. Input also accepts JSON numbers and Int/Float literals for convenience.
 */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  serialize: checkDecimal,
  parseValue: checkDecimal,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT)
      return checkDecimal(ast.value);
    throw badScalar('Decimal must be a string or a number literal');
  },
});

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function checkDate(value: unknown): string {
  if (typeof value !== 'string' || !isIsoDate(value)) {
    throw badScalar('Date must be a calendar date written YYYY-MM-DD');
  }
  return value;
}

/** A calendar date without time zone, YYYY-MM-DD (issue and due dates are the tenant's local dates). */
export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  serialize: checkDate,
  parseValue: checkDate,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.STRING) return checkDate(ast.value);
    throw badScalar('Date must be a string written YYYY-MM-DD');
  },
});

function checkDateTime(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    throw badScalar('DateTime must be an ISO-8601 date-time such as 2026-11-02T14:05:00.000Z');
  }
  return new Date(value).toISOString();
}

/** An instant, ISO-8601 in UTC (2026-11-02T14:05:00.000Z). */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: checkDateTime,
  parseValue: checkDateTime,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.STRING) return checkDateTime(ast.value);
    throw badScalar('DateTime must be a string');
  },
});
