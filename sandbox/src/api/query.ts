import { Faults } from '../errors.js';

/**
 * The QuickBooks query language (§3.4): `SELECT * | COUNT(*) FROM Entity [WHERE p op v [AND …]]
 * [ORDERBY p [ASC|DESC]] [STARTPOSITION n] [MAXRESULTS n]`. No OR, no projections, no joins. String
 * literals use single quotes with backslash escapes (`'Amy\'s Bird Sanctuary'`); a curly quote is a
 * lexical error. Every failure is code 4000 "Error parsing query" with a QueryParserError detail.
 */

export type Literal =
  { kind: 'string'; value: string } | { kind: 'number'; value: number } | { kind: 'boolean'; value: boolean };
export type Operator = '=' | '<' | '>' | '<=' | '>=' | '!=' | 'IN' | 'LIKE';

export interface Condition {
  field: string;
  op: Operator;
  values: Literal[];
}

export interface ParsedQuery {
  count: boolean;
  entity: string;
  conditions: Condition[];
  orderBy: { field: string; descending: boolean }[];
  startPosition: number | undefined;
  maxResults: number | undefined;
}

type TokenKind = 'word' | 'string' | 'number' | 'symbol' | 'eof';
interface Token {
  kind: TokenKind;
  text: string;
  value: string;
  column: number;
}

export class QuerySyntaxError extends Error {
  override readonly name = 'QuerySyntaxError';
}

function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source.charAt(i);
    const column = i + 1;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === "'") {
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < source.length) {
        const c = source.charAt(j);
        if (c === '\\' && j + 1 < source.length) {
          value += source.charAt(j + 1);
          j += 2;
          continue;
        }
        if (c === "'") {
          closed = true;
          break;
        }
        value += c;
        j += 1;
      }
      if (!closed) {
        throw new QuerySyntaxError(
          `Lexical error at line 1, column ${source.length + 1}.  Encountered: <EOF> after : "'${value}"`,
        );
      }
      tokens.push({ kind: 'string', text: source.slice(i, j + 1), value, column });
      i = j + 1;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(source.charAt(i + 1)))) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(source.slice(i));
      const text = match?.[0] ?? ch;
      tokens.push({ kind: 'number', text, value: text, column });
      i += text.length;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(source.slice(i));
      const text = match?.[0] ?? ch;
      tokens.push({ kind: 'word', text, value: text, column });
      i += text.length;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '!=' || two === '<>') {
      tokens.push({ kind: 'symbol', text: two, value: two === '<>' ? '!=' : two, column });
      i += 2;
      continue;
    }
    if ('=<>(),*'.includes(ch)) {
      tokens.push({ kind: 'symbol', text: ch, value: ch, column });
      i += 1;
      continue;
    }
    // Curly quotes and other stray characters are lexical errors, as reported in [OBS] quickbooks-ruby#309.
    throw new QuerySyntaxError(
      `Lexical error at line 1, column ${column}.  Encountered: "${ch}" (${ch.codePointAt(0) ?? 0}), after : ""`,
    );
  }
  tokens.push({ kind: 'eof', text: '<EOF>', value: '', column: source.length + 1 });
  return tokens;
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.position] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.position += 1;
    return token;
  }

  private fail(token: Token): never {
    const shown = token.kind === 'string' ? token.text : token.text;
    throw new QuerySyntaxError(
      `Encountered " ${describe(token)} "${shown} "" at line 1, column ${token.column}.`,
    );
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.value.toUpperCase() === keyword;
  }

  private expectKeyword(keyword: string): void {
    const token = this.next();
    if (!this.isKeyword(token, keyword)) this.fail(token);
  }

  private expectSymbol(symbol: string): void {
    const token = this.next();
    if (token.kind !== 'symbol' || token.value !== symbol) this.fail(token);
  }

  parse(): ParsedQuery {
    this.expectKeyword('SELECT');
    let count = false;
    const first = this.next();
    if (first.kind === 'symbol' && first.value === '*') {
      count = false;
    } else if (this.isKeyword(first, 'COUNT')) {
      this.expectSymbol('(');
      this.expectSymbol('*');
      this.expectSymbol(')');
      count = true;
    } else {
      this.fail(first);
    }
    this.expectKeyword('FROM');
    const entityToken = this.next();
    if (entityToken.kind !== 'word') this.fail(entityToken);
    const query: ParsedQuery = {
      count,
      entity: entityToken.value,
      conditions: [],
      orderBy: [],
      startPosition: undefined,
      maxResults: undefined,
    };
    if (this.isKeyword(this.peek(), 'WHERE')) {
      this.next();
      query.conditions.push(this.condition());
      while (this.isKeyword(this.peek(), 'AND')) {
        this.next();
        query.conditions.push(this.condition());
      }
    }
    if (this.isKeyword(this.peek(), 'ORDERBY') || this.isKeyword(this.peek(), 'ORDER')) {
      if (this.isKeyword(this.next(), 'ORDER')) this.expectKeyword('BY');
      do {
        const field = this.next();
        if (field.kind !== 'word') this.fail(field);
        let descending = false;
        if (this.isKeyword(this.peek(), 'DESC')) {
          this.next();
          descending = true;
        } else if (this.isKeyword(this.peek(), 'ASC')) {
          this.next();
        }
        query.orderBy.push({ field: field.value, descending });
      } while (this.peek().kind === 'symbol' && this.peek().value === ',' && this.next());
    }
    if (this.isKeyword(this.peek(), 'STARTPOSITION')) {
      this.next();
      query.startPosition = this.integer();
    }
    if (this.isKeyword(this.peek(), 'MAXRESULTS')) {
      this.next();
      query.maxResults = this.integer();
    }
    const rest = this.next();
    if (rest.kind !== 'eof') this.fail(rest);
    return query;
  }

  private integer(): number {
    const token = this.next();
    if (token.kind !== 'number' || !/^[0-9]+$/.test(token.value)) this.fail(token);
    return Number(token.value);
  }

  private condition(): Condition {
    const field = this.next();
    if (field.kind !== 'word') this.fail(field);
    const opToken = this.next();
    if (this.isKeyword(opToken, 'IN')) {
      this.expectSymbol('(');
      const values = [this.literal()];
      while (this.peek().kind === 'symbol' && this.peek().value === ',') {
        this.next();
        values.push(this.literal());
      }
      this.expectSymbol(')');
      return { field: field.value, op: 'IN', values };
    }
    if (this.isKeyword(opToken, 'LIKE')) {
      const value = this.literal();
      if (value.kind !== 'string') this.fail(opToken);
      return { field: field.value, op: 'LIKE', values: [value] };
    }
    if (opToken.kind !== 'symbol' || !['=', '<', '>', '<=', '>=', '!='].includes(opToken.value))
      this.fail(opToken);
    return { field: field.value, op: opToken.value as Operator, values: [this.literal()] };
  }

  private literal(): Literal {
    const token = this.next();
    if (token.kind === 'string') return { kind: 'string', value: token.value };
    if (token.kind === 'number') return { kind: 'number', value: Number(token.value) };
    if (token.kind === 'word' && /^(true|false)$/i.test(token.value)) {
      return { kind: 'boolean', value: token.value.toLowerCase() === 'true' };
    }
    return this.fail(token);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'string':
      return '<STRING_LITERAL>';
    case 'number':
      return '<INTEGER_LITERAL>';
    case 'word':
      return '<ID>';
    case 'eof':
      return '<EOF>';
    case 'symbol':
      return `"${token.text}"`;
  }
}

export function parseQuery(source: string): ParsedQuery {
  try {
    return new Parser(lex(source.trim())).parse();
  } catch (error) {
    if (error instanceof QuerySyntaxError) throw Faults.queryParse(error.message);
    throw error;
  }
}
