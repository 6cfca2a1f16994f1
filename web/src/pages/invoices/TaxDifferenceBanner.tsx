import { Link } from 'react-router';
import { SYNC_STATE_LABEL } from '../../components/StatusPill';
import { asSentence } from '../../format';
import { MAPPING_PATH } from '../../routes';
import { useSession } from '../../session';
import type { TaxLineFigureFieldsFragment } from '../../generated/graphql';
import { taxDifferenceLabel } from '../quickbooks/mapping/words';
import { formatCents, ruleWords } from '../quickbooks/reconciliation/words';
import { isTaxHold, type SyncStatus } from './live';
import { TaxDifferenceActions } from './TaxDifferenceActions';

type TaxDifference = NonNullable<SyncStatus['taxDifference']>;

/**
 * QuickBooks holds this invoice with another tax than the platform billed: both figures, why (in the server's
 * words, with the rounding rule when rounding explains it), both sides' tax lines, the tax setting it ran
 * under, and the admin's way out. Under the STOP setting's hold it replaces the generic error banner: the
 * hold is this difference, and "dismiss" there means accepting QuickBooks' tax.
 */
export function TaxDifferenceBanner({
  invoiceId,
  invoiceNumber,
  currency,
  status,
  difference,
  onDone,
}: {
  invoiceId: string;
  invoiceNumber: string;
  currency: string;
  status: SyncStatus;
  difference: TaxDifference;
  onDone: (status: SyncStatus, message: string) => void;
}) {
  const { isAdmin } = useSession();
  const held = isTaxHold(status);
  const money = (cents: number) => formatCents(cents, currency);
  const gap = difference.theirsCents - difference.oursCents;
  return (
    <div
      className={`notice ${held ? 'notice-error' : 'notice-warn'} sync-banner tax-banner`}
      // A hold waits for someone: an alert. An accepted difference is information: a status.
      role={held ? 'alert' : 'status'}
      data-testid="tax-difference-banner"
      data-state={status.state}
      data-class={difference.class}
    >
      <p className="sync-banner-title">
        <strong>QuickBooks: {SYNC_STATE_LABEL[status.state].label}.</strong>{' '}
        {held
          ? 'QuickBooks charges another tax on this invoice than the platform billed, and the tax setting holds it until an admin decides.'
          : 'QuickBooks holds this invoice with another tax than the platform billed.'}
      </p>
      <dl className="facts tax-figures">
        <dt>Tax in QuickBooks</dt>
        <dd data-testid="tax-theirs">{money(difference.theirsCents)}</dd>
        <dt>Tax billed here</dt>
        <dd data-testid="tax-ours">{money(difference.oursCents)}</dd>
        <dt>Difference</dt>
        <dd>
          {money(Math.abs(gap))} {gap > 0 ? 'more' : 'less'} in QuickBooks
        </dd>
      </dl>
      <p data-testid="tax-explanation">{asSentence(difference.explanation)}</p>
      {difference.class === 'ROUNDING' && difference.rule ? (
        <p data-testid="tax-rounding-rule">Rounding rule: {ruleWords(difference.rule)}.</p>
      ) : null}
      <TaxLinesTable
        invoiceNumber={invoiceNumber}
        platform={difference.platformTaxLines}
        quickbooks={difference.quickbooksTaxLines}
        money={money}
      />
      <p>
        Tax setting when it was sent: <strong>{taxDifferenceLabel(difference.policy)}</strong>.
      </p>
      {isAdmin ? (
        <>
          <TaxDifferenceActions
            invoiceId={invoiceId}
            invoiceNumber={invoiceNumber}
            held={held}
            onDone={onDone}
          />
          <p>
            <Link to={MAPPING_PATH}>Change the tax setting in the QuickBooks sync settings</Link>
          </p>
        </>
      ) : (
        <p className="muted">
          An admin of this account can push it again{held ? " or accept QuickBooks' tax" : ''}, or change the
          tax setting.
        </p>
      )}
    </div>
  );
}

function TaxLinesTable({
  invoiceNumber,
  platform,
  quickbooks,
  money,
}: {
  invoiceNumber: string;
  platform: readonly TaxLineFigureFieldsFragment[];
  quickbooks: readonly TaxLineFigureFieldsFragment[];
  money: (cents: number) => string;
}) {
  const sides = [
    { side: 'platform', label: 'Platform', lines: platform },
    { side: 'quickbooks', label: 'QuickBooks', lines: quickbooks },
  ] as const;
  return (
    <table className="tax-lines" data-testid="tax-lines">
      <caption>Tax lines of invoice {invoiceNumber} on both sides</caption>
      <thead>
        <tr>
          <th scope="col">Side</th>
          <th scope="col" className="num">
            Rate
          </th>
          <th scope="col" className="num">
            Taxed amount
          </th>
          <th scope="col" className="num">
            Tax
          </th>
        </tr>
      </thead>
      <tbody>
        {sides.map(({ side, label, lines }) =>
          lines.length === 0 ? (
            <tr key={side} data-side={side}>
              <th scope="row">{label}</th>
              <td colSpan={3}>no tax lines</td>
            </tr>
          ) : (
            lines.map((line, index) => (
              <tr key={`${side}-${index}`} data-side={side}>
                <th scope="row">
                  {label}
                  {line.name ? <span className="muted"> ({line.name})</span> : null}
                </th>
                <td className="num">{line.ratePercent ? `${line.ratePercent} %` : '—'}</td>
                <td className="num">{line.netCents === null ? '—' : money(line.netCents)}</td>
                <td className="num">{money(line.taxCents)}</td>
              </tr>
            ))
          ),
        )}
      </tbody>
    </table>
  );
}
