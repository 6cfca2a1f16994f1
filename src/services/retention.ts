import type { Models } from '../models/index.js';

export interface RetentionServiceDeps {
  models: Pick<Models, 'syncLogs'>;
  retentionDays: number;
  now: () => Date;
}

/**
 * Sync logs are kept for a fixed number of days. MongoDB could expire them with a TTL index, but FerretDB
 * rejects `expireAfterSeconds`, so the maintenance queue deletes them on a schedule on both.
 */
export class RetentionService {
  constructor(private readonly deps: RetentionServiceDeps) {}

  cutoff(): Date {
    return new Date(this.deps.now().getTime() - this.deps.retentionDays * 86_400_000);
  }

  async pruneSyncLogs(): Promise<{ deleted: number; cutoff: Date }> {
    const cutoff = this.cutoff();
    const result = await this.deps.models.syncLogs.deleteMany({ createdAt: { $lt: cutoff } });
    return { deleted: result.deletedCount, cutoff };
  }
}
