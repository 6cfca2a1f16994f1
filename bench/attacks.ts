/**
 * Sends each attack of issue 8 to the gateway of a running graph and prints what happened (status, code,
 * bytes, time, gateway memory): the measurements behind the before/after table in docs/gateway.md.
 * Not a test (test/e2e/gateway-hardening.test.ts asserts the refusals); a measurement to re-run.
 *
 *   npx tsx bench/attacks.ts [--root <a checkout of this repository>] [--node-env production]
 *
 * With `--root` pointing at an older checkout it measures that version the same way. Attacks that could
 * exhaust memory are sized to finish (a depth-6 loop, a 4x4 fragment bomb), with a client timeout.
 */
import { spawn } from 'node:child_process';
import { SignJWT } from 'jose';
import { freePort, stopChild, waitForPort } from '../scripts/services/index.js';
import { arg, checkoutRoots } from './support/args.js';
import { gatewayCommand, startGraphProcesses } from './support/graph.js';
import { expiryOutcome, operationOutcome, pastTheCap, socketFlood } from './support/ws-attacks.js';

const { root, gatewayRoot } = checkoutRoots();
const nodeEnv = arg('node-env', 'production');
const TENANT = 'cust-acme-us';
// The public secret of AUTH_MODE=dev-insecure (src/config.ts): anyone can sign tokens with it.
const DEV_INSECURE_JWT_SECRET = 'dev-insecure-quickbooks-subgraph-secret-do-not-use';

const log = (line: string) => process.stdout.write(`[attacks]   ${line}\n`);
const rows: string[][] = [];

const graph = await startGraphProcesses({
  root,
  gatewayRoot,
  nodeEnv,
  log,
  echo: process.argv.includes('--echo'),
});
const sign = (claims: Record<string, unknown>, exp: number | undefined, secret = graph.secret) => {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('attacker').setIssuedAt();
  if (exp !== undefined) jwt = jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(secret));
};
const now = () => Math.floor(Date.now() / 1000);
const token = await graph.token([TENANT]);

interface Sent {
  status: number | string;
  bytes: number;
  ms: number;
  code: string;
  text: string;
  headers?: Headers;
}

async function send(
  body: string | { query: string; variables?: unknown },
  options: {
    authorization?: string | null;
    headers?: Record<string, string>;
    method?: string;
    timeoutMs?: number;
  } = {},
): Promise<Sent> {
  const started = performance.now();
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const authorization = options.authorization === undefined ? `Bearer ${token}` : options.authorization;
  try {
    const response = await fetch(graph.gatewayUrl, {
      method: options.method ?? 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(authorization ? { authorization } : {}),
        ...options.headers,
      },
      body: options.method === 'GET' ? undefined : payload,
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    const text = await response.text();
    let code = '-';
    try {
      const json = JSON.parse(text) as { errors?: { message: string; extensions?: { code?: string } }[] };
      code = json.errors
        ? `${json.errors[0]?.extensions?.code ?? '(no code)'}${json.errors.length > 1 ? ` (x${json.errors.length})` : ''}: ${json.errors[0]?.message.slice(0, 70)}`
        : 'data';
    } catch {
      code = 'not JSON';
    }
    return {
      status: response.status,
      bytes: text.length,
      ms: performance.now() - started,
      code,
      text,
      headers: response.headers,
    };
  } catch (error) {
    return { status: (error as Error).name, bytes: 0, ms: performance.now() - started, code: '-', text: '' };
  }
}

function record(attack: string, request: string, sent: Sent, note = ''): void {
  const row = [
    attack,
    request,
    String(sent.status),
    sent.code,
    sent.bytes > 1e6 ? `${(sent.bytes / 1e6).toFixed(1)} MB` : `${sent.bytes} B`,
    `${sent.ms.toFixed(0)} ms`,
    `${graph.rssMb(graph.gateway) ?? '?'} MB`,
    note,
  ];
  rows.push(row);
  log(row.join(' | '));
}

/** A graphql-ws attack's row: what the protocol answered stands where HTTP attacks have their status. */
function recordWs(
  attack: string,
  request: string,
  outcome: string,
  code: string,
  started: number,
  note = '',
) {
  record(
    attack,
    request,
    { status: outcome, bytes: 0, ms: performance.now() - started, code, text: '' },
    note,
  );
}

/** Sends a request while an anonymous `{ __typename }` probes the gateway every 50 ms; returns the worst probe. */
async function whileProbing(attack: () => Promise<Sent>): Promise<{ sent: Sent; worstProbeMs: number }> {
  let running = true;
  let worst = 0;
  const probe = (async () => {
    while (running) {
      const { ms } = await send({ query: '{ __typename }' }, { authorization: null });
      worst = Math.max(worst, ms);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const sent = await attack();
  running = false;
  await probe;
  return { sent, worstProbeMs: worst };
}

function customerInvoiceLoop(levels: number, customerId = TENANT): string {
  let inner = 'id name';
  for (let i = 0; i < levels; i += 1) inner = `id name invoices { id number customer { ${inner} } }`;
  return `query Loop { customer(id: "${customerId}") { ${inner} } }`;
}

function fragmentBomb(levels: number, width: number): string {
  let query = `query Bomb { customer(id: "${TENANT}") { ...F0 } }\n`;
  for (let i = 0; i < levels; i += 1) {
    const copies = Array.from({ length: width }, (_, k) => `a${k}: invoices { customer { ...F${i + 1} } }`);
    query += `fragment F${i} on Customer { ${copies.join(' ')} }\n`;
  }
  return `${query}fragment F${levels} on Customer { id name quickbooksConnection { status } }`;
}

/** Starts a lone gateway with the given environment: does it listen, or exit (and with what code)? */
async function gatewayStarts(env: NodeJS.ProcessEnv): Promise<string> {
  const port = await freePort();
  const command = gatewayCommand(gatewayRoot, port);
  const child = spawn(process.execPath, command.args, {
    cwd: gatewayRoot,
    env: { ...process.env, GATEWAY_PORT: String(port), ...command.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<string>((resolve) => child.on('exit', (code) => resolve(`exits ${code}`)));
  const listening = waitForPort('127.0.0.1', port, 30_000, 'gateway').then(() => 'serves');
  const outcome = await Promise.race([exited, listening.catch(() => 'neither')]);
  await stopChild(child, 5000);
  const reason = /(?:refus|must|not allowed)[^\n]{0,160}/i.exec(output)?.[0] ?? '';
  return reason ? `${outcome}: ${reason}` : outcome;
}

try {
  const loop6 = customerInvoiceLoop(6);
  record(
    'depth loop customer->invoices->customer',
    `6 levels, ${loop6.length} B`,
    await send({ query: loop6 }, { timeoutMs: 120_000 }),
  );
  const deep = customerInvoiceLoop(200, 'nobody');
  record('depth 400 (unknown root, so nothing resolves)', `${deep.length} B`, await send({ query: deep }));

  const bomb = fragmentBomb(4, 4);
  const bombRun = await whileProbing(() => send({ query: bomb }, { timeoutMs: 120_000 }));
  record(
    'fragment bomb (4 levels x 4 aliases)',
    `${bomb.length} B`,
    bombRun.sent,
    `worst concurrent { __typename }: ${bombRun.worstProbeMs.toFixed(0)} ms`,
  );

  const aliases = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: invoices(customerId: "${TENANT}") { id }`).join(' ')} }`;
  record(
    '1,000 aliases of invoices',
    `${aliases.length} B`,
    await send({ query: aliases }, { timeoutMs: 120_000 }),
  );

  const someAliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: invoices(customerId: "${TENANT}") { id }`).join(' ')} }`;
  record('16 aliases of invoices', `${someAliases.length} B`, await send({ query: someAliases }));
  const someDirectives = `{ ${Array.from({ length: 21 }, () => '... on Query @skip(if: false) { __typename }').join(' ')} }`;
  record('21 directives', `${someDirectives.length} B`, await send({ query: someDirectives }));
  const spreads = Array.from({ length: 20 }, () => '...I').join(' ');
  const costly =
    `query Costly { customer(id: "${TENANT}") { invoices { ${spreads} customer { invoices { ${spreads} ` +
    `customer { invoices { ${spreads} } } } } } } }\n` +
    'fragment I on Invoice { id number status currency memo version createdAt updatedAt issueDate dueDate }';
  record('cost 6,637 (depth 7, no aliases)', `${costly.length} B`, await send({ query: costly }));

  const directives = `{ __typename ${Array.from({ length: 2000 }, () => '@skip(if: false)').join(' ')} }`;
  record('2,000 directives on one field', `${directives.length} B`, await send({ query: directives }));

  const tokens = `{ ${Array.from({ length: 5000 }, () => '__typename').join(' ')} }`;
  record('5,000-token document', `${tokens.length} B`, await send({ query: tokens }));

  const big = JSON.stringify({
    query: 'query Big($x: ID!) { customer(id: $x) { id } }',
    variables: { x: 'x'.repeat(20_000_000) },
  });
  record('oversized body (20 MB of variables)', `${(big.length / 1e6).toFixed(0)} MB`, await send(big));

  record(
    'no token',
    'invoices',
    await send({ query: '{ invoices(customerId: "cust-acme-us") { id } }' }, { authorization: null }),
  );
  record(
    'malformed token',
    'Bearer not-a-jwt',
    await send({ query: '{ __typename }' }, { authorization: 'Bearer not-a-jwt' }),
  );
  record(
    'expired token',
    'exp 60 s ago',
    await send(
      { query: '{ __typename }' },
      { authorization: `Bearer ${await sign({ tenants: [TENANT] }, now() - 60)}` },
    ),
  );
  record(
    'forged token',
    'other secret',
    await send(
      { query: '{ __typename }' },
      {
        authorization: `Bearer ${await sign({ tenants: [TENANT] }, now() + 600, 'another-secret-another-secret-0123456789')}`,
      },
    ),
  );
  record(
    'lowercase scheme',
    'bearer <valid>',
    await send(
      { query: '{ invoices(customerId: "cust-acme-us") { id } }' },
      { authorization: `bearer ${token}` },
    ),
  );
  record(
    'token without exp',
    'no exp claim',
    await send(
      { query: '{ invoices(customerId: "cust-acme-us") { id } }' },
      { authorization: `Bearer ${await sign({ tenants: [TENANT] }, undefined)}` },
    ),
  );

  record(
    'anonymous introspection',
    '__schema',
    await send({ query: '{ __schema { queryType { name } types { name } } }' }, { authorization: null }),
  );
  const graphiql = await send('', { method: 'GET', authorization: null, headers: { accept: 'text/html' } });
  record('GraphiQL page', 'GET text/html', {
    ...graphiql,
    code: graphiql.headers?.get('content-type')?.split(';')[0] ?? '-',
  });
  const suggestion = await send({ query: '{ invoicez(customerId: "x") { id } }' });
  record(
    'field suggestions',
    'invoicez',
    suggestion,
    /Did you mean/.test(suggestion.text) ? 'says "Did you mean"' : 'no suggestion',
  );
  const foreign = await send({ query: '{ quickbooksConnection(customerId: "cust-nordlys-no") { status } }' });
  record(
    'error internals',
    "another tenant's connection",
    foreign,
    [
      /originalError/.test(foreign.text) ? 'originalError' : '',
      /"request"/.test(foreign.text) ? 'request body' : '',
      /"jwt"/.test(foreign.text) ? 'decoded JWT' : '',
      /stack/.test(foreign.text) ? 'stack' : '',
    ]
      .filter(Boolean)
      .join(', ') || 'code and message only',
  );
  const cors = await send(
    { query: '{ __typename }' },
    { authorization: null, headers: { origin: 'https://evil.example' } },
  );
  record(
    'CORS',
    'Origin: https://evil.example',
    cors,
    `allow-origin ${cors.headers?.get('access-control-allow-origin') ?? 'none'}, credentials ${cors.headers?.get('access-control-allow-credentials') ?? 'none'}`,
  );

  // graphql-ws (issue 8, item 4): the gateway's sockets, as the subgraph's own are tested.
  const wsUrl = graph.gatewayUrl.replace(/^http/, 'ws');
  const activity = `subscription { quickbooksSyncActivity(customerId: "${TENANT}") { invoiceId } }`;
  let started = performance.now();
  const anonymous = await socketFlood(wsUrl, 500, {}, 4000);
  recordWs(
    'graphql-ws: sockets without a token',
    '500 × connection_init {}',
    anonymous.outcome,
    `${anonymous.acknowledged} acknowledged`,
    started,
    'after 4 s',
  );
  started = performance.now();
  const silent = await socketFlood(wsUrl, 500, undefined, 4000);
  recordWs(
    'graphql-ws: sockets that never send connection_init',
    '500 sockets',
    silent.outcome,
    `${silent.acknowledged} acknowledged`,
    started,
    'after 4 s',
  );
  started = performance.now();
  const cap = await pastTheCap(wsUrl, `Bearer ${token}`, activity, 150, 3000);
  recordWs(
    'graphql-ws: 150 subscriptions on one socket',
    'quickbooksSyncActivity × 150',
    `${cap.refused} refused`,
    cap.how,
    started,
  );
  for (const [attack, query] of [
    [
      'graphql-ws: past the depth limit',
      'subscription { quickbooksSyncActivity(customerId: "x") { invoice { customer { invoices { customer { invoices { customer { invoices { id } } } } } } } } }',
    ],
    [
      "graphql-ws: another tenant's feed",
      'subscription { quickbooksSyncActivity(customerId: "cust-nordlys-no") { invoiceId } }',
    ],
  ] as const) {
    started = performance.now();
    const outcome = await operationOutcome(wsUrl, `Bearer ${token}`, query);
    recordWs(attack, 'one subscribe', outcome.types, outcome.code, started);
  }
  started = performance.now();
  const expiring = await sign({ tenants: [TENANT] }, now() + 3);
  const expiry = await expiryOutcome(wsUrl, `Bearer ${expiring}`, activity, 3000, 5000);
  recordWs(
    'graphql-ws: token expires while subscribed',
    'exp in 3 s',
    expiry.socket,
    expiry.operation,
    started,
    'waited up to 5 s past exp',
  );

  // A subgraph that cannot be reached: what the caller and the gateway's log get to see.
  const down = await startGraphProcesses({ root, gatewayRoot, nodeEnv, log });
  try {
    down.api.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const downToken = await down.token([TENANT]);
    const response = await fetch(down.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${downToken}` },
      body: JSON.stringify({
        // No ids asked for: any in the answer would be the gateway's subgraph request showing through.
        query: `{ invoices(customerId: "${TENANT}") { number quickbooksSyncStatus { state } } }`,
      }),
    });
    const text = await response.text();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const internals = (where: string) =>
      [
        /_entities/.test(where) ? 'subgraph query' : '',
        /inv-acme-1001/.test(where) ? 'entity ids' : '',
        /"jwt"|\\"jwt\\"|jwt:/.test(where) ? 'decoded JWT' : '',
        /ECONNREFUSED|127\.0\.0\.1:\d+/.test(where) ? 'internal address' : '',
        /originalError/.test(where) ? 'originalError' : '',
      ]
        .filter(Boolean)
        .join(', ') || 'none';
    const code = (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]
      ?.extensions?.code;
    rows.push([
      'a subgraph is unreachable',
      'invoices with sync status',
      String(response.status),
      code ?? '-',
      `${text.length} B`,
      '',
      '',
      `internals in the answer: ${internals(text)}; in the gateway log: ${internals(down.gatewayOutput())}`,
    ]);
    log(rows.at(-1)!.join(' | '));
  } finally {
    await down.stop();
  }

  // A subgraph that stops answering: the gateway waits as long as the client does, or answers a timeout.
  graph.api.kill('SIGSTOP');
  try {
    record(
      'subgraph stops answering',
      'invoices with sync status',
      await send(
        { query: '{ invoices(customerId: "cust-acme-us") { id quickbooksSyncStatus { state } } }' },
        { timeoutMs: 40_000 },
      ),
    );
  } finally {
    graph.api.kill('SIGCONT');
  }
} finally {
  await graph.stop();
}

const production = { NODE_ENV: 'production', SUPERGRAPH_PATH: './supergraph.graphql' };
rows.push([
  'production with AUTH_MODE=dev-insecure',
  '',
  await gatewayStarts({ ...production, AUTH_MODE: 'dev-insecure', AUTH_JWT_SECRET: '' }),
  '',
  '',
  '',
  '',
  '',
]);
rows.push([
  'production with the public dev secret',
  '',
  await gatewayStarts({ ...production, AUTH_MODE: 'jwt', AUTH_JWT_SECRET: DEV_INSECURE_JWT_SECRET }),
  '',
  '',
  '',
  '',
  '',
]);
rows.push([
  'production with CORS *',
  '',
  await gatewayStarts({
    ...production,
    AUTH_MODE: 'jwt',
    AUTH_JWT_SECRET: 'x'.repeat(40),
    GATEWAY_CORS_ORIGINS: '*',
  }),
  '',
  '',
  '',
  '',
  '',
]);

process.stdout.write(
  `\n| attack | request | HTTP | code | response | time | gateway RSS | note |\n|---|---|---|---|---|---|---|---|\n`,
);
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
