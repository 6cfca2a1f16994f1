/**
 * Throughput of the federated path: the invoice-list query a web panel's invoice page sends (a tenant's
 * invoices with their QuickBooks sync status), through the real gateway (gateway/server.ts, Hive Gateway's
 * runtime) in front of the demo host subgraph and this subgraph, each in its own process as `npm start`
 * runs them.
 *
 *   npx tsx bench/gateway.ts [--seconds 15] [--connections 10] [--runs 3] [--warmup 10] [--echo]
 *                            [--node-env production] [--root <a checkout of this repository>]
 *
 * `--root` runs the gateway and subgraphs of another checkout (e.g. a `git worktree` of an older commit
 * with node_modules symlinked) with this script's load generator, so two versions are measured the same
 * way; `--gateway-root` takes only the gateway from there. The load generator (autocannon) runs in this
 * process and competes for the same cores, as a client on the same machine would. Prints requests/second,
 * latency percentiles and CPU time per request of each process, per run and their median; `--echo` also
 * prints the processes' own output.
 */
import autocannon from 'autocannon';
import { arg, checkoutRoots } from './support/args.js';
import { startGraphProcesses } from './support/graph.js';

const { root, gatewayRoot } = checkoutRoots();
const seconds = Number(arg('seconds', '15'));
const warmupSeconds = Number(arg('warmup', '10'));
const connections = Number(arg('connections', '10'));
const runs = Number(arg('runs', '3'));
const nodeEnv = arg('node-env', 'production');

const TENANT = 'cust-acme-us';
// The same document as TenantInvoices in test/e2e/operations/gateway.graphql, inlined so every checkout
// measured with --root receives the same bytes.
const INVOICE_LIST = /* GraphQL */ `
  query TenantInvoices($customerId: ID!) {
    invoices(customerId: $customerId) {
      id
      number
      status
      customer {
        id
        name
      }
      quickbooksSyncStatus {
        state
        attempts
        quickbooksInvoiceId
      }
    }
  }
`;

const log = (line: string) => process.stdout.write(`[bench]     ${line}\n`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const graph = await startGraphProcesses({
  root,
  gatewayRoot,
  nodeEnv,
  log,
  echo: process.argv.includes('--echo'),
});
try {
  const url = graph.gatewayUrl;
  const request = {
    method: 'POST' as const,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Bearer ${await graph.token([TENANT])}`,
    },
    body: JSON.stringify({ query: INVOICE_LIST, variables: { customerId: TENANT } }),
  };

  // A benchmark of error responses would measure nothing useful: check one answer first.
  const probe = await fetch(url, request);
  const result = (await probe.json()) as { data?: { invoices?: unknown[] }; errors?: unknown[] };
  if (probe.status !== 200 || result.errors || !result.data?.invoices?.length) {
    throw new Error(
      `the invoice-list query failed (${probe.status}): ${JSON.stringify(result).slice(0, 500)}`,
    );
  }
  log(`probe: ${result.data.invoices.length} invoices; ${request.body.length} request bytes`);

  const load = (duration: number) => autocannon({ url, connections, duration, ...request });
  log(`warm-up ${warmupSeconds} s`);
  await load(warmupSeconds);
  const results: { rps: number; p50: number; p99: number; failed: number; gatewayCpu: number }[] = [];
  // CPU time per request of each process: unlike req/s, barely moved by other load on the machine.
  const cpu = () => [graph.gateway, graph.host, graph.api].map((child) => graph.cpuMs(child) ?? Number.NaN);
  for (let i = 1; i <= runs; i += 1) {
    const before = cpu();
    const outcome = await load(seconds);
    const perRequest = cpu().map((ms, index) => ((ms - before[index]!) * 1000) / outcome.requests.total);
    const failed = outcome.errors + outcome.timeouts + outcome.non2xx;
    results.push({
      rps: outcome.requests.average,
      p50: outcome.latency.p50,
      p99: outcome.latency.p99,
      failed,
      gatewayCpu: perRequest[0]!,
    });
    log(
      `run ${i}: ${outcome.requests.average.toFixed(0)} req/s, p50 ${outcome.latency.p50} ms, ` +
        `p99 ${outcome.latency.p99} ms, ${failed} failed of ${outcome.requests.total}; CPU per request: ` +
        `gateway ${perRequest[0]!.toFixed(0)} µs, host ${perRequest[1]!.toFixed(0)} µs, ` +
        `subgraph ${perRequest[2]!.toFixed(0)} µs`,
    );
  }
  log(
    `invoice list through the gateway (${connections} connections, ${seconds} s x ${runs}, NODE_ENV=${nodeEnv}, ` +
      `root ${root}): median ${median(results.map((r) => r.rps)).toFixed(0)} req/s, ` +
      `p50 ${median(results.map((r) => r.p50))} ms, p99 ${median(results.map((r) => r.p99))} ms, ` +
      `gateway CPU ${median(results.map((r) => r.gatewayCpu)).toFixed(0)} µs/request; ` +
      `gateway RSS ${graph.rssMb(graph.gateway)} MB`,
  );
  if (results.some((r) => r.failed > 0)) throw new Error('some requests failed: see the runs above');
} finally {
  await graph.stop();
}
