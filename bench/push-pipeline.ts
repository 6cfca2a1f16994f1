/**
 * The invoice push pipeline under load (issue 11, "Benchmark"): real Redis and store, the emulator with
 * Intuit's limits on (windows scaled so a run takes minutes), the API, the demo host in-process, tenants
 * connected through the OAuth flow and mapped, intake through InvoiceIntakeService, and a push worker as
 * its own process (src/workers/index.ts). Prints, per scenario, the numbers beside the targets:
 *
 *   1. many realms: calls per invoice (first push, steady state after an edit), 429s we caused, per-realm
 *      throughput ÷ limit, enqueue-to-synced p50/p95 per realm and worst ÷ median realm p95;
 *   2. one realm at the limit for several scaled minutes: requests per minute ÷ limit, 429s;
 *   3. the pipeline's ceiling (emulator limits off, governor raised): invoices/s one worker process
 *      sustains, its CPU time, store calls and Redis commands per invoice;
 *   4. the same workload pushed the way common integrations do (plain fetch), side by side;
 *   5. with --faults: faults of every kind the emulator injects (fed through the run until each kind fired
 *      --faults-per-kind times), worker processes SIGKILLed and replaced, the bench's own Redis SIGKILLed
 *      and restarted; then the orphaned-push sweep and a DEAD replay; duplicates and lost pushes on both
 *      sides (the naive client gets the same emulator faults).
 *
 *   npx tsx bench/push-pipeline.ts [--realms 10] [--invoices 10] [--window-scale 0.25] [--margin-ms <scaled 250>]
 *       [--limit-windows 1] [--limit-window-scale <from 1.>] [--limit-invoices <from 1.>] [--ceiling-invoices 200]
 *       [--custom-numbers] [--only many,limit,ceiling,naive] [--timeout-s 600]
 *       [--faults [--faults-per-kind 20] [--fault-share 0.3] [--fault-kinds commit-then-drop,hang,5xx,429 storm,401]
 *        [--kill-every-s 5] [--redis-restart-every-s 30] [--redis-down-ms 1000] [--redis-fsync everysec|always]
 *        [--client-timeout-ms 1500] [--push-backoff-ms 200] [--fault-backlog 150] [--fault-load-s 900]
 *        [--fault-max-invoices 20000]]
 *
 * The fault size: `--only faults --faults --realms 20 --faults-per-kind 1000 --fault-share 0.4`.
 *
 * The sizes: `--realms 20 --invoices 50`, `--realms 200 --invoices 50`. docs/benchmarks.md explains
 * each number. Redis and the store come from scripts/services (REDIS_URL /
 * MONGODB_URI, else the local Redis and a FerretDB of its own). Not run by CI.
 */
import { allowTestRigsOutsideJest } from './support/outside-jest.js';

allowTestRigsOutsideJest();
await import('./support/push-pipeline-run.js');
