/**
 * Per-operation and per-request limits at the gateway. Depth, aliases, directives and cost are GraphQL
 * Armor's validation rules (the plugins Hive Gateway's own `maxDepth`/`maxTokens` options wrap, used
 * directly for `flattenFragments` and a typed refusal); tokens are graphql-js's parser option, which stops
 * reading a document at the limit instead of building it first.
 */
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import type { GatewayPlugin } from '@graphql-hive/gateway';
import { GraphQLError, parse, type ValidationContext } from 'graphql';
// @ts-expect-error TS5097: Node's type stripping runs this folder and needs the real extension.
import { gatewayError, queryTooComplex } from './errors.ts';
import type { GatewayLimits } from './settings.ts';

/** graphql-js's message when `parse(source, { maxTokens })` gives up (16.x spells it "more that"). */
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] \d+ tokens\. Parsing aborted\.$/;

/**
 * Armor reports its refusals as "Syntax Error: ..." without a code, and by default throws. Reported
 * through the validation context instead (propagateOnRejection: false), the refusal is one validation
 * error with our code and without the misleading prefix, like the subgraph's (src/server/query-limits.ts).
 */
const rejection = {
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(queryTooComplex(error.message.replace(/^Syntax Error: /, ''))),
  ],
  propagateOnRejection: false,
  exposeLimits: true,
};

/** The operation limits, as Envelop plugins for the gateway's `plugins`. */
export function operationLimitPlugins(limits: GatewayLimits): GatewayPlugin[] {
  return [
    {
      onParse({ setParseFn }) {
        setParseFn((source, options) => {
          try {
            return parse(source, { ...options, maxTokens: limits.maxTokens });
          } catch (error) {
            if (error instanceof GraphQLError && TOKEN_LIMIT_MESSAGE.test(error.message)) {
              throw queryTooComplex(`Token limit of ${limits.maxTokens} exceeded.`);
            }
            throw error;
          }
        });
      },
    },
    // Flattened: `... on Customer { ... }` and named fragments are not levels of the response.
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true, ...rejection }),
    maxAliasesPlugin({ n: limits.maxAliases, ...rejection }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...rejection }),
    costLimitPlugin({ maxCost: limits.maxCost, flattenFragments: true, ...rejection }),
  ] as GatewayPlugin[];
}

/**
 * Refuses request bodies over `maxBytes` with PAYLOAD_TOO_LARGE (413): by Content-Length before reading,
 * and by counting bytes while reading a body sent without one (chunked). Yoga has this check
 * (`maxRequestBodySize`, 25 MB by default) but Hive Gateway does not pass that option through and Yoga
 * does not export the plugin, so this is its logic, with our error.
 */
export function bodySizeLimitPlugin(maxBytes: number): GatewayPlugin {
  const tooLarge = () => gatewayError('PAYLOAD_TOO_LARGE', `The request body exceeds ${maxBytes} bytes`);
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      // Node's HTTP parser holds a body to its Content-Length, so a declared length is checked up front;
      // without one (chunked), the bytes are counted as they arrive.
      const declared = Number(request.headers.get('content-length') ?? Number.NaN);
      if (Number.isSafeInteger(declared)) {
        if (declared > maxBytes) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parseBody = requestParser;
      // As in Yoga: a native body needs the native TransformStream, a ponyfilled one the ponyfill.
      const Transform = request.body instanceof ReadableStream ? TransformStream : fetchAPI.TransformStream;
      setRequestParser((original) => {
        let bytes = 0;
        const counted = original.body!.pipeThrough(
          new Transform<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              bytes += chunk.byteLength;
              if (bytes > maxBytes) controller.error(tooLarge());
              else controller.enqueue(chunk);
            },
          }),
        );
        return parseBody(
          new fetchAPI.Request(original.url, {
            method: original.method,
            headers: original.headers,
            signal: original.signal,
            body: counted,
            // @ts-expect-error Node's fetch needs `duplex` for a streamed body; the DOM types lack it.
            duplex: 'half',
          }),
        );
      });
    },
  };
}
