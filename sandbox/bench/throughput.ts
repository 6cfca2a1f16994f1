/**
 * Throughput of the emulator with limits off: `npx tsx sandbox/bench/throughput.ts [--seconds 5]
 * [--connections 32] [--grow 20000]`.
 *
 * The emulator runs in a child process (one JavaScript thread, so one core); this process generates load
 * over keep-alive HTTP connections from the other core. Each scenario runs on fresh data and again after
 * the company has grown by --grow customers and invoices, to show that per-request work stays constant
 * (look-ups by Id, DisplayName and DocNumber use indexes, not scans). Prints requests/second.
 */
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../src/index.js';

const REALM = '9341455130166501';

interface ServerInfo {
  url: string;
  token: string;
}

interface Usage {
  user: number;
  system: number;
}

type ChildMessage = { kind: 'ready'; info: ServerInfo } | { kind: 'usage'; usage: Usage };

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : process.argv[index + 1];
  return value === undefined ? fallback : Number(value);
}

async function serve(): Promise<void> {
  const sandbox = await startSandbox({
    port: 0,
    settings: { limits: { enabled: false }, requestLog: { maxEntries: 1000 } },
  });
  const tokens = sandbox.control.issueTokens({ realmId: REALM });
  // Long benchmarks must not outlive the access token.
  sandbox.control.updateSettings({ oauth: { accessTokenLifetimeSeconds: 86_400 } });
  process.on('message', (message: { kind: string }) => {
    if (message.kind === 'usage') {
      const usage = process.cpuUsage();
      process.send?.({
        kind: 'usage',
        usage: { user: usage.user, system: usage.system },
      } satisfies ChildMessage);
    }
    if (message.kind === 'stop') void sandbox.close().then(() => process.exit(0));
  });
  process.send?.({
    kind: 'ready',
    info: { url: sandbox.url, token: tokens.access_token },
  } satisfies ChildMessage);
}

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: (i: number) => string;
  body?: (i: number) => string;
}

function scenarios(prefix: string): Scenario[] {
  const base = `/v3/company/${REALM}`;
  return [
    {
      name: 'read Customer by Id',
      method: 'GET',
      path: (i) => `${base}/customer/${(i % 29) + 1}?minorversion=75`,
    },
    {
      name: 'query Customer by DisplayName',
      method: 'GET',
      path: () =>
        `${base}/query?query=${encodeURIComponent("select * from Customer where DisplayName = 'Cool Cars'")}`,
    },
    {
      name: 'query Invoice by DocNumber',
      method: 'GET',
      path: () =>
        `${base}/query?query=${encodeURIComponent("select * from Invoice where DocNumber = '1001'")}`,
    },
    {
      name: 'create Customer',
      method: 'POST',
      path: () => `${base}/customer?minorversion=75`,
      body: (i) => JSON.stringify({ DisplayName: `${prefix} customer ${i}` }),
    },
    {
      name: 'create Customer with requestid',
      method: 'POST',
      path: (i) => `${base}/customer?minorversion=75&requestid=${prefix}-${i}`,
      body: (i) => JSON.stringify({ DisplayName: `${prefix} requestid customer ${i}` }),
    },
    {
      name: 'create Invoice (2 lines, tax)',
      method: 'POST',
      path: () => `${base}/invoice?minorversion=75`,
      body: () =>
        JSON.stringify({
          CustomerRef: { value: '1' },
          TxnTaxDetail: { TxnTaxCodeRef: { value: '3' } },
          Line: [
            {
              DetailType: 'SalesItemLineDetail',
              Amount: 100,
              SalesItemLineDetail: { ItemRef: { value: '3' }, TaxCodeRef: { value: 'TAX' } },
            },
            {
              DetailType: 'SalesItemLineDetail',
              Amount: 50,
              SalesItemLineDetail: { ItemRef: { value: '1' } },
            },
          ],
        }),
    },
  ];
}

class Load {
  private readonly agent: Agent;
  private readonly url: URL;
  /** Shared by all runs so generated names never repeat (a repeat would be a 6240). */
  private sequence = 0;

  constructor(
    private readonly info: ServerInfo,
    connections: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
    this.url = new URL(info.url);
  }

  send(method: string, path: string, body?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${this.info.token}`,
            accept: 'application/json',
            ...(body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  async run(
    scenario: Scenario,
    seconds: number,
    connections: number,
  ): Promise<{ count: number; errors: number; elapsed: number }> {
    let count = 0;
    let errors = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const i = this.sequence++;
        const status = await this.send(scenario.method, scenario.path(i), scenario.body?.(i));
        if (status === 200) count += 1;
        else errors += 1;
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    return { count, errors, elapsed: (performance.now() - started) / 1000 };
  }

  async grow(total: number, connections: number): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        await this.send(
          'POST',
          `/v3/company/${REALM}/customer`,
          JSON.stringify({ DisplayName: `Growth customer ${i}` }),
        );
        await this.send(
          'POST',
          `/v3/company/${REALM}/invoice`,
          JSON.stringify({
            CustomerRef: { value: '2' },
            Line: [
              {
                DetailType: 'SalesItemLineDetail',
                Amount: 10,
                SalesItemLineDetail: { ItemRef: { value: '1' } },
              },
            ],
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
  }

  close(): void {
    this.agent.destroy();
  }
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 5);
  const connections = arg('connections', 32);
  const grow = arg('grow', 20_000);
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: ChildMessage[] = [];
  const waiters: ((message: ChildMessage) => void)[] = [];
  child.on('message', (message: ChildMessage) => {
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else messages.push(message);
  });
  const nextMessage = () =>
    new Promise<ChildMessage>((resolve) => {
      const queued = messages.shift();
      if (queued) resolve(queued);
      else waiters.push(resolve);
    });
  const usage = async (): Promise<Usage> => {
    child.send({ kind: 'usage' });
    const message = await nextMessage();
    if (message.kind !== 'usage') throw new Error('unexpected message from the emulator process');
    return message.usage;
  };

  const ready = await nextMessage();
  if (ready.kind !== 'ready') throw new Error('emulator did not start');
  const load = new Load(ready.info, connections);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `QuickBooks sandbox emulator throughput (limits off, emulator in one process, ${connections} keep-alive connections, ${seconds}s per scenario)`,
  );
  out('');
  out(
    `${'scenario'.padEnd(44)}${'req/s'.padStart(10)}${'server CPU'.padStart(12)}${'req/s per core'.padStart(16)}`,
  );

  const results: { name: string; rps: number }[] = [];
  const runAll = async (label: string) => {
    for (const scenario of scenarios(label)) {
      await load.run(scenario, 0.5, connections);
      const before = await usage();
      const { count, errors, elapsed } = await load.run(scenario, seconds, connections);
      const after = await usage();
      const cpuSeconds = (after.user - before.user + after.system - before.system) / 1e6;
      const rps = count / elapsed;
      const perCore = cpuSeconds > 0 ? count / cpuSeconds : rps;
      const name = `${scenario.name} [${label}]`;
      results.push({ name, rps });
      out(
        `${name.padEnd(44)}${rps.toFixed(0).padStart(10)}${`${((cpuSeconds / elapsed) * 100).toFixed(0)}%`.padStart(12)}${perCore.toFixed(0).padStart(16)}` +
          (errors > 0 ? `  (${errors} non-200)` : ''),
      );
    }
  };

  await runAll('fresh');
  const growStarted = performance.now();
  await load.grow(grow, connections);
  out(
    `(grew the company by ${grow} customers and ${grow} invoices in ${((performance.now() - growStarted) / 1000).toFixed(1)}s)`,
  );
  await runAll(`+${grow}`);

  const smallest = Math.min(...results.map((r) => r.rps));
  out('');
  out(`slowest scenario: ${smallest.toFixed(0)} requests/second`);
  load.close();
  child.send({ kind: 'stop' });
}

if (process.argv.includes('--serve')) await serve();
else await main();
