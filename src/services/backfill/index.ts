export { BackfillNotConnectedError, BackfillRunningError, BackfillService } from './backfill-service.js';
export { BackfillRunner, BACKFILL_TRIGGER, batchRequestId, type ChunkOutcome } from './backfill-runner.js';
export { composeBackfillRunner } from './compose.js';
export { createBackfillProgressEvents, type BackfillProgressEvent } from './events.js';
export * from './jobs.js';
export type { BackfillView } from './types.js';
