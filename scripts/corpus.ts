/**
 * `npm run corpus`: the accounting corpus of issue 14 through the real pipeline, then reconciled.
 *
 *   npm run corpus -- [--invoices 1200] [--seed 14] [--policy accept|override|both]
 *
 * Generates the invoices (test/corpus/generate.ts), predicts what QuickBooks will hold and what the
 * reconciliation must report (test/corpus/oracle.ts), runs it all against the emulator with Redis and the
 * store from scripts/services (REDIS_URL / MONGODB_URI, else the local Redis and a FerretDB of its own), and
 * prints a table per company, once per tenant tax setting (`taxDifferences`: ACCEPT lets QuickBooks
 * compute, OVERRIDE, the product's default, sends the platform's tax; both by default, each with companies
 * of its own). Exits 1 when a row is unexplained or misclassified, a company's totals are not the
 * platform's plus the predicted differences to the cent, or anything else differs from the prediction.
 */
import { arg } from '../bench/support/args.js';
import { allowTestRigsOutsideJest } from '../bench/support/outside-jest.js';
import { ensureBackingServices } from './services/index.js';

const USAGE =
  'usage: npm run corpus -- [--invoices N (at least 4, per tax setting)] [--seed S] [--policy accept|override|both]';

const invoices = Number(arg('invoices', '1200'));
const seed = Number(arg('seed', '14'));
const policyArg = arg('policy', 'both').toUpperCase();
if (!Number.isInteger(invoices) || invoices < 4 || !Number.isInteger(seed)) {
  console.error(USAGE);
  process.exit(64);
}

allowTestRigsOutsideJest();
const { generateCorpus } = await import('../test/corpus/generate.js');
const { TAX_POLICIES } = await import('../test/corpus/oracle.js');
const { CorpusRig, runCorpus } = await import('../test/corpus/run.js');
const { formatCorpusResult } = await import('../test/corpus/report.js');

const policies = policyArg === 'BOTH' ? TAX_POLICIES : TAX_POLICIES.filter((policy) => policy === policyArg);
if (policies.length === 0) {
  console.error(USAGE);
  process.exit(64);
}

const log = (line: string) => console.log(`[corpus] ${line}`);
// Node prints a process warning each time it is emitted; one a library repeats per call would bury the
// tables, so each distinct warning is printed once.
const warned = new Set<string>();
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  const text = `${warning.name}: ${warning.message}`;
  if (warned.has(text)) return;
  warned.add(text);
  console.error(`(warning, shown once) ${text}`);
});
const services = await ensureBackingServices(log);
// The rigs build their configuration from these, as under `npm test` (test/support/harness.ts).
process.env.TEST_MONGODB_URI = services.mongo.uri;
process.env.TEST_REDIS_URL = services.redis.url;

let exitCode = 1;
let rig: Awaited<ReturnType<typeof CorpusRig.start>> | undefined;
try {
  let ok = true;
  for (const policy of policies) {
    // A fresh platform (database, emulator) per setting: the runs are separate experiments, and the FerretDB
    // fallback filters no query by index (explain: filterPushdown false), so a second run on top of the
    // first's 1,200 invoices spends its time scanning the first's documents.
    rig = await CorpusRig.start();
    log(`${invoices} invoices under the ${policy} tax setting`);
    const corpus = generateCorpus({ seed, invoices, label: policy });
    const result = await runCorpus(rig, corpus, { policy, log });
    console.log(`\n${formatCorpusResult(result)}\n`);
    ok &&= result.ok;
    await rig.close();
    rig = undefined;
  }
  exitCode = ok ? 0 : 1;
} catch (error) {
  console.error(error);
} finally {
  await rig?.close();
  await services.stop();
}
process.exit(exitCode);
