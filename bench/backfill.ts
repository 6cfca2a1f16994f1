/**
 * A tenant's backfill (syncExistingQuickBooksInvoices) under Intuit's limits (issue 11, "Backfill"): real
 * Redis and store, the emulator with its limits on (windows scaled), the API, the demo host in-process,
 * and a worker process as deployed (src/workers/index.ts). Prints:
 *
 *   1. one realm backfilling 2,000 invoices with the batch cost 'request' on both sides (the emulator and
 *      the governor), then 'items' for comparison: invoices a minute (real time and Intuit's scaled
 *      minute), batches, 429s, duplicates per platform invoice in the emulator, failures;
 *   2. fairness: other tenants' single pushes (enqueue to SYNCED p50/p95) and small backfills, idle and
 *      while one tenant backfills 2,000;
 *   3. two tenants backfilling at once: when each progressed, and how far each was when the other finished.
 *
 *   npx tsx bench/backfill.ts [--invoices 2000] [--homeowners 50] [--window-scale 0.5] [--margin-ms <scaled 250>]
 *       [--others 4] [--singles 5] [--small 60] [--pair 1000] [--only request,items,fairness,pair] [--timeout-s 900]
 *
 * docs/benchmarks.md ("Backfill") explains each number. Not run by CI.
 */
import { allowTestRigsOutsideJest } from './support/outside-jest.js';

allowTestRigsOutsideJest();
await import('./support/backfill-run.js');
