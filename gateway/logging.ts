/**
 * The gateway's logger. In production, values under keys that hold what a caller sent or received
 * (subgraph request bodies and variables: entity ids, customer data; results; the Authorization header)
 * are replaced before a line is written, at any depth: Hive Gateway quotes them in error reports, and at
 * LOG_LEVEL=debug for every subgraph request. Kept in development, where they explain a failure.
 *
 * Hive Gateway's Logger has a `redact` option, but it compiles its redactor again for every child logger,
 * and the gateway makes children per request: measured with `npm run bench`, it cost a quarter of the
 * throughput. Redacting in the writer costs nothing until a line is actually written.
 */
import {
  ConsoleLogWriter,
  JSONLogWriter,
  Logger,
  type LogLevel,
  type LogWriter,
} from '@graphql-hive/gateway';

const REDACTED_KEYS = new Set([
  'body',
  'variables',
  'data',
  'request',
  'response',
  'authorization',
  'cookie',
  'set-cookie',
]);

export const REDACTED = '[redacted]';

/** A copy of a log line's attributes (plain data: the Logger has already turned errors into objects). */
export function redactAttributes(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 20) return value;
  if (Array.isArray(value)) return value.map((item) => redactAttributes(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = REDACTED_KEYS.has(key.toLowerCase()) ? REDACTED : redactAttributes(item, depth + 1);
  }
  return copy;
}

class RedactingLogWriter implements LogWriter {
  readonly #inner: LogWriter;

  constructor(inner: LogWriter) {
    this.#inner = inner;
  }

  write(...[level, attrs, message]: Parameters<LogWriter['write']>) {
    return this.#inner.write(
      level,
      attrs == null ? attrs : (redactAttributes(attrs) as typeof attrs),
      message,
    );
  }

  flush() {
    return this.#inner.flush?.();
  }
}

/** LOG_JSON=1 writes one JSON object a line (for log shippers), as Hive Gateway's default logger does. */
export function createGatewayLogger(options: {
  level: LogLevel | false;
  redact: boolean;
  json: boolean;
}): Logger {
  const writer: LogWriter = options.json ? new JSONLogWriter() : new ConsoleLogWriter();
  return new Logger({
    level: options.level,
    writers: [options.redact ? new RedactingLogWriter(writer) : writer],
  });
}
