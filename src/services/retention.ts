import { QuickBooksSyncLogModel } from '../models/sync-log.js';

/**
 * Sync logs are kept for a fixed number of days. MongoDB could expire them with a TTL index, but FerretDB
 * rejects `expireAfterSeconds`, so the maintenance queue deletes them on a schedule on both.
 */
export class RetentionService {
  constructor(
    private readonly retentionDays: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  cutoff(): Date {
    return new Date(this.now().getTime() - this.retentionDays * 86_400_000);
  }

  async pruneSyncLogs(): Promise<{ deleted: number; cutoff: Date }> {
    const cutoff = this.cutoff();
    const result = await QuickBooksSyncLogModel.deleteMany({ createdAt: { $lt: cutoff } });
    return { deleted: result.deletedCount, cutoff };
  }
}
