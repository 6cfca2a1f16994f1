import { useState, type FormEvent } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { useAnnounce } from '../../../components/Announcer';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { formatDateTime } from '../../../format';
import {
  ExportQuickBooksCsvDocument,
  type ExportQuickBooksCsvMutation,
  type QuickBooksCsvDateFormat,
  type QuickBooksCsvTaxMode,
} from '../../../generated/graphql';
import { useSession } from '../../../session';

type Exported = ExportQuickBooksCsvMutation['exportQuickBooksCsv'];

const DATE_FORMATS: { value: QuickBooksCsvDateFormat; label: string }[] = [
  { value: 'MM_DD_YYYY', label: 'MM/DD/YYYY (United States)' },
  { value: 'DD_MM_YYYY', label: 'DD/MM/YYYY (United Kingdom, Canada, Australia…)' },
  { value: 'YYYY_MM_DD', label: 'YYYY/MM/DD' },
];

/**
 * "Export for QuickBooks" (issue 15), for tenants without a connection: the finalized invoices of a window as
 * the files QuickBooks Online's import wizard takes, a zip fetched with the admin's own token (the link alone
 * opens nothing), and what the import cannot carry, listed for manual entry.
 */
export function CsvExportCard() {
  const { tenantId } = useSession();
  const announce = useAnnounce();
  const [state, run] = useMutation(ExportQuickBooksCsvDocument);
  const [error, setError] = useState<CombinedError | null>(null);
  const [exported, setExported] = useState<Exported | null>(null);
  const [usCompany, setUsCompany] = useState(false);
  const [defaults] = useState(defaultWindow);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    setExported(null);
    const result = await run({
      customerId: tenantId,
      input: {
        from: String(form.get('from') ?? ''),
        to: String(form.get('to') ?? ''),
        dateFormat: String(form.get('dateFormat')) as QuickBooksCsvDateFormat,
        taxMode: (usCompany ? 'EXCLUSIVE' : String(form.get('taxMode'))) as QuickBooksCsvTaxMode,
        usCompany,
      },
    });
    if (result.error || !result.data) {
      if (result.error) setError(result.error);
      return;
    }
    const answer = result.data.exportQuickBooksCsv;
    setExported(answer);
    announce(
      `Export ready: ${plural(answer.counts.invoices, 'invoice')} in ${plural(answer.counts.invoiceFiles, 'file')}`,
    );
  };

  return (
    <section className="card" aria-labelledby="csv-export-heading">
      <h2 id="csv-export-heading">Export for QuickBooks (CSV)</h2>
      <p>
        Not connecting QuickBooks? Export finalized invoices and their customers as files QuickBooks Online
        imports (Settings → Import data: the customer files first, then the invoice files). Turn on custom
        transaction numbers in QuickBooks first so the invoices keep their numbers. If you connect later, the
        imported invoices are linked, not sent again.
      </p>
      <form className="csv-export-form" onSubmit={(event) => void submit(event)}>
        <label htmlFor="csv-export-from">Invoices issued from</label>
        <input id="csv-export-from" name="from" type="date" required defaultValue={defaults.from} />
        <label htmlFor="csv-export-to">to</label>
        <input id="csv-export-to" name="to" type="date" required defaultValue={defaults.to} />
        <label htmlFor="csv-export-date-format">Date format (as you will choose it in the import)</label>
        <select id="csv-export-date-format" name="dateFormat" defaultValue="MM_DD_YYYY">
          {DATE_FORMATS.map((format) => (
            <option key={format.value} value={format.value}>
              {format.label}
            </option>
          ))}
        </select>
        <label className="inline">
          <input
            type="checkbox"
            name="usCompany"
            checked={usCompany}
            onChange={(event) => setUsCompany(event.currentTarget.checked)}
          />{' '}
          My QuickBooks company is a US company (sales tax per line: taxable or not)
        </label>
        <label htmlFor="csv-export-tax-mode">Amounts</label>
        <select
          id="csv-export-tax-mode"
          name="taxMode"
          defaultValue="EXCLUSIVE"
          disabled={usCompany}
          aria-describedby="csv-export-tax-mode-help"
        >
          <option value="EXCLUSIVE">Exclusive of tax</option>
          <option value="INCLUSIVE">Inclusive of tax</option>
        </select>
        <p id="csv-export-tax-mode-help" className="muted">
          Choose the same in the import wizard. Outside the US, inclusive keeps every invoice's total to the
          cent; exclusive lets QuickBooks recompute the tax, which can move an invoice priced with tax by a
          cent. US companies have no tax-inclusive amounts.
        </p>
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? 'Exporting…' : 'Export invoices'}
        </button>
      </form>
      {error ? <ErrorNotice error={error} context="The export failed" /> : null}
      {exported ? <ExportResult exported={exported} /> : null}
    </section>
  );
}

function ExportResult({ exported }: { exported: Exported }) {
  const { token } = useSession();
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const [downloading, setDownloading] = useState(false);

  const download = async () => {
    setDownloadError(null);
    setDownloading(true);
    try {
      const response = await fetch(exported.downloadUrl, { headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as {
          error?: { code?: string; message?: string };
        } | null;
        setDownloadError(
          `${body?.error?.message ?? `The download failed (HTTP ${response.status})`} (${body?.error?.code ?? response.status})`,
        );
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = 'quickbooks-import.zip';
      document.body.append(link);
      link.click();
      link.remove();
      // The click has handed the file to the browser; the object URL is no longer needed.
      setTimeout(() => URL.revokeObjectURL(url), 0);
    } catch {
      setDownloadError('The download could not reach the server; try again.');
    } finally {
      setDownloading(false);
    }
  };

  return (
    <div className="csv-export-result" data-testid="csv-export-result">
      <div className="notice notice-ok" role="status">
        {plural(exported.counts.invoices, 'invoice')} ({plural(exported.counts.lines, 'line')}) for{' '}
        {plural(exported.counts.customers, 'customer')} in{' '}
        {plural(exported.counts.invoiceFiles, 'invoice file')}. The download is kept until{' '}
        {formatDateTime(exported.expiresAt)}.
      </div>
      <button type="button" onClick={() => void download()} disabled={downloading}>
        {downloading ? 'Downloading…' : 'Download the files (zip)'}
      </button>
      {downloadError ? (
        <div className="notice notice-error" role="alert">
          {downloadError}
        </div>
      ) : null}
      <h3>Files</h3>
      <ul data-testid="csv-export-files">
        {exported.files.map((file) => (
          <li key={file.name}>
            {file.name}: {file.rows} rows
          </li>
        ))}
      </ul>
      {exported.manualEntry.length > 0 ? (
        <>
          <h3>Enter these by hand in QuickBooks</h3>
          <p className="muted">The import cannot carry them (they are in manual-entry.csv too).</p>
          <ul data-testid="csv-export-manual">
            {exported.manualEntry.map((entry) => (
              <li key={entry.invoiceNumber}>
                Invoice {entry.invoiceNumber} ({entry.customer}, {entry.total}): {entry.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {exported.warnings.length > 0 ? (
        <details>
          <summary>{exported.warnings.length} things to check after the import (warnings.csv)</summary>
          <ul data-testid="csv-export-warnings">
            {exported.warnings.map((warning, index) => (
              <li key={index}>
                {warning.invoiceNumber ? `Invoice ${warning.invoiceNumber}, ` : ''}
                {warning.field}: {warning.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** This year so far, in UTC (the server reads the dates as UTC days). */
function defaultWindow(): { from: string; to: string } {
  const today = new Date().toISOString().slice(0, 10);
  return { from: `${today.slice(0, 4)}-01-01`, to: today };
}
