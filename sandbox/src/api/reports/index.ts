import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { agedReceivableDetail } from './aged-receivable-detail.js';
import type { ReportContext } from './report.js';
import { transactionList } from './transaction-list.js';

export type { ReportContext, ReportQuery } from './report.js';

/** Report names are case-sensitive PascalCase, as in Intuit's URLs. */
const REPORTS: Record<string, (ctx: ReportContext) => Doc> = {
  TransactionList: transactionList,
  AgedReceivableDetail: agedReceivableDetail,
};

/**
 * Runs one report. An unknown (or wrongly cased) name answers `reports.unknownReportStatus` (400) with the
 * emulator's "Could not find resource" SystemFault body: a 3P note says a misspelt name gives HTTP 400
 * (docs/research/reports-and-tax.md §3), but Intuit's fault code and wording for it are UNCONFIRMED.
 */
export function runReport(ctx: ReportContext, name: string): Doc {
  const report = Object.hasOwn(REPORTS, name) ? REPORTS[name] : undefined;
  if (!report) {
    throw Faults.unknownResource(
      ctx.settings.reports.unknownReportStatus,
      `/v3/company/${ctx.realm.realmId}/reports/${name}`,
    );
  }
  return report(ctx);
}
