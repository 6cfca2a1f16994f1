/**
 * Accuracy of the mapping suggestions: the messy company of test/support/messy-company.ts is created in
 * the emulator through its Accounting API, read back with the reference-data reader as the service reads
 * it, ranked, and compared with the hand-written ground truth. Prints top-1 and top-3 accuracy and every
 * key whose first candidate is wrong.
 *
 *   npx tsx bench/mapping-suggestions.ts [--json]
 */
import { pino } from 'pino';
import { startSandbox } from '../sandbox/src/index.js';
import { QuickBooksClient } from '../src/quickbooks/client.js';
import { QuickBooksError } from '../src/quickbooks/errors.js';
import { QuickBooksHttp, SYSTEM_EDGES } from '../src/quickbooks/http.js';
import { rankSuggestions } from '../src/services/mappings/suggestions.js';
import { readReferenceSnapshot } from '../src/services/reference-data/reader.js';
import {
  GROUND_TRUTH_KEYS,
  measureAccuracy,
  MESSY_ITEMS,
  seedMessyCompany,
} from '../test/support/messy-company.js';

const REALM = '9341455130166501';
const logger = pino({ level: 'silent' });
const print = (line: string) => process.stdout.write(`${line}\n`);

const sandbox = await startSandbox({ port: 0, settings: { limits: { perSecond: null } } });
try {
  const { access_token: accessToken } = sandbox.control.issueTokens({ realmId: REALM });
  await seedMessyCompany(sandbox.apiBaseUrl, REALM, accessToken);
  const client = new QuickBooksClient({
    http: new QuickBooksHttp({ ...SYSTEM_EDGES, apiBaseUrl: sandbox.apiBaseUrl, timeoutMs: 30_000, logger }),
    realmId: REALM,
    tokens: {
      getAccessToken: async () => accessToken,
      refreshAfterUnauthorized: async () => {
        throw new QuickBooksError({ kind: 'authentication', message: 'bench token refused' });
      },
    },
  });
  const snapshot = await readReferenceSnapshot(client, { now: () => new Date(), logger });
  const suggestions = rankSuggestions(
    GROUND_TRUTH_KEYS.map((sourceKey) => ({ sourceKey })),
    snapshot,
  );
  const accuracy = measureAccuracy(suggestions);
  if (process.argv.includes('--json')) {
    print(JSON.stringify({ ...accuracy, items: snapshot.items.length }, null, 2));
  } else {
    const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
    print(
      `mapping suggestions: ${accuracy.keys} platform keys, ${snapshot.items.length} items ` +
        `(${MESSY_ITEMS.length} messy + seeded), ${snapshot.taxCodes.length} tax codes`,
    );
    print(`  top-1 accuracy: ${percent(accuracy.top1)}`);
    print(`  top-3 accuracy: ${percent(accuracy.top3)}`);
    for (const miss of accuracy.misses) {
      print(
        `  miss ${miss.sourceKey}: expected "${miss.expected}" (rank ${miss.expectedRank ?? 'none'}), first "${miss.first ?? '-'}"`,
      );
    }
  }
} finally {
  await sandbox.close();
}
