/**
 * Deadlines at the gateway: one per subgraph request (its fields answer TIMEOUT, the other subgraphs'
 * data stays) and one per HTTP request (HTTP 504 TIMEOUT), so a stalled subgraph never holds a caller
 * longer than these.
 *
 * Hive Gateway has both (`upstreamTimeout`, `requestDeadline`, and a `timeout` per HTTP transport), but
 * each hangs an AbortSignal on every request and subgraph fetch; measured with `npm run bench` (invoice
 * list, 2 cores), `upstreamTimeout` cost 35% of the throughput, the transport `timeout` 34%,
 * `requestDeadline` 12% (and `upstreamCancellation`, the same mechanism, 30%). These race a timer instead
 * and do not abort the late work: each subgraph ends it at its own deadline (the subgraph's
 * REQUEST_TIMEOUT_MS, 10 s by default), so it is bounded all the same.
 */
import type { GatewayPlugin } from '@graphql-hive/gateway';
import type { ExecutionRequest, ExecutionResult } from '@graphql-tools/utils';
import { getOperationAST, GraphQLError } from 'graphql';
// @ts-expect-error TS5097: Node's type stripping runs this folder and needs the real extension.
import { errorResponse, GATEWAY_ERROR_CODES } from './errors.ts';

/** Resolves with `onTimeout()` if `work` has not settled within `ms`; the timer never outlives the race. */
function raceWithTimer<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** A subscription's upstream request is its event stream: it must outlive any request timeout. */
function isSubscription(request: ExecutionRequest): boolean {
  const type = request.operationType ?? getOperationAST(request.document, request.operationName)?.operation;
  return type === 'subscription';
}

export function upstreamTimeoutPlugin(ms: number): GatewayPlugin {
  return {
    onSubgraphExecute({ executor, setExecutor, executionRequest }) {
      if (isSubscription(executionRequest)) return;
      setExecutor((request) => {
        const result = executor(request);
        if (!(result instanceof Promise)) return result;
        // A field error (HTTP 200, the other subgraphs' data kept), so no HTTP status of its own.
        return raceWithTimer(result, ms, (): ExecutionResult => ({
          errors: [
            new GraphQLError('A service this request needs did not answer in time; retry later', {
              extensions: { code: 'TIMEOUT', retryable: GATEWAY_ERROR_CODES.TIMEOUT.retryable },
            }),
          ],
        }));
      });
    },
  };
}

export function requestDeadlinePlugin(ms: number): GatewayPlugin {
  return {
    onRequest({ requestHandler, setRequestHandler }) {
      setRequestHandler((request, context) =>
        raceWithTimer(Promise.resolve(requestHandler(request, context)), ms, () =>
          errorResponse('TIMEOUT', `The request took longer than ${ms} ms; retry later`),
        ),
      );
    },
  };
}
