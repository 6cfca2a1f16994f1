/**
 * Reading QuickBooks Online report JSON (GET /reports/<name>): Header, Columns, Rows with Data and Section
 * rows. Columns are found by key, never by title or position: titles are localized ("The value of this
 * attribute is localized", report reference) and the customer column of AgedReceivableDetail is titled
 * "Client" in Intuit's own sample. Current responses carry the key in `MetaData[{Name:"ColKey"}]` and a data
 * type in `ColType`; Intuit's 2016 TransactionList sample carries the key in `ColType` itself; both are read.
 */

/** One data row: per column key, the cell's value and, where QuickBooks gives one, the entity id. */
export interface ReportRow {
  cells: Record<string, { value: string; id?: string }>;
  /** Titles of the enclosing sections, outermost first (an aging bucket, a customer of a grouped list). */
  sections: string[];
}

export interface ParsedReport {
  name: string | null;
  startPeriod: string | null;
  endPeriod: string | null;
  currency: string | null;
  /** Header.Option NoReportData = "true". */
  empty: boolean;
  /** Column keys in order. */
  columns: string[];
  rows: ReportRow[];
  /**
   * QuickBooks ended the report early ("Unable to display more data. Please reduce the date range."): the
   * caller must narrow the window, since what is missing is not said.
   */
  truncated: boolean;
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const TRUNCATION = /unable to display more data/i;

function columnKey(column: Json): string {
  for (const meta of asArray(column.MetaData)) {
    if (isRecord(meta) && meta.Name === 'ColKey' && typeof meta.Value === 'string') return meta.Value;
  }
  return text(column.ColType) ?? '';
}

export function parseReport(body: Json): ParsedReport {
  const header = isRecord(body.Header) ? body.Header : {};
  const options = asArray(header.Option).filter(isRecord);
  const columns = asArray(isRecord(body.Columns) ? body.Columns.Column : undefined)
    .filter(isRecord)
    .map(columnKey);
  const rows: ReportRow[] = [];
  let truncated = false;

  const visit = (container: unknown, sections: string[]) => {
    const list = asArray(isRecord(container) ? container.Row : undefined).filter(isRecord);
    for (const row of list) {
      const data = asArray(row.ColData).filter(isRecord);
      if (row.type === 'Section' || isRecord(row.Rows) || isRecord(row.Header)) {
        const title = isRecord(row.Header)
          ? text(asArray(row.Header.ColData).filter(isRecord)[0]?.value)
          : null;
        visit(row.Rows, title ? [...sections, title] : sections);
        continue;
      }
      if (data.some((cell) => TRUNCATION.test(text(cell.value) ?? ''))) {
        truncated = true;
        continue;
      }
      const cells: ReportRow['cells'] = {};
      data.forEach((cell, index) => {
        const key = columns[index];
        if (!key) return;
        const id = text(cell.id);
        cells[key] = { value: text(cell.value) ?? '', ...(id ? { id } : {}) };
      });
      rows.push({ cells, sections });
    }
  };
  visit(body.Rows, []);

  return {
    name: text(header.ReportName),
    startPeriod: text(header.StartPeriod),
    endPeriod: text(header.EndPeriod),
    currency: text(header.Currency),
    empty: options.some((option) => option.Name === 'NoReportData' && option.Value === 'true'),
    columns,
    rows,
    truncated,
  };
}

/**
 * A report money cell as a decimal string: "" and "0-00-00"-style blanks are null; Intuit writes a zero open
 * balance as ".00" (a 2017 capture), which becomes "0.00"; thousands separators are refused (null), not
 * guessed.
 */
export function reportMoney(value: string | undefined): string | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (!/^-?\d*\.?\d+$/.test(trimmed)) return null;
  const negative = trimmed.startsWith('-');
  const digits = negative ? trimmed.slice(1) : trimmed;
  return `${negative ? '-' : ''}${digits.startsWith('.') ? `0${digits}` : digits}`;
}

/** A report date cell (YYYY-MM-DD), or null for blanks and Intuit's "0-00-00". */
export function reportDate(value: string | undefined): string | null {
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? value.trim() : null;
}
