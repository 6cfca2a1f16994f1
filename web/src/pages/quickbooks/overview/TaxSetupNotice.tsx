import { Link } from 'react-router';
import { useQuery } from 'urql';
import { formatDate } from '../../../format';
import { OverviewTaxSetupDocument } from '../../../generated/graphql';
import { RECONCILIATION_PATH } from '../../../routes';
import { useSession } from '../../../session';
import { automatedSalesTaxWords } from './words';

/**
 * Automated sales tax turned on or off in QuickBooks (seen by a read of the company's settings) changes what
 * QuickBooks does with the tax of every invoice pushed since: admins are told, and sent to a reconciliation
 * that compares them. Read from the server's cache of the company; nothing shows when it cannot be read
 * (not connected, QuickBooks unavailable): the connection card says why.
 */
export function TaxSetupNotice() {
  const { tenantId } = useSession();
  const [{ data }] = useQuery({
    query: OverviewTaxSetupDocument,
    variables: { customerId: tenantId },
    requestPolicy: 'cache-and-network',
  });
  const change = data?.quickbooksCompanyFacts?.taxSetupChange;
  if (!change) return null;
  return (
    <div className="notice notice-warn" data-testid="tax-setup-change">
      <p>
        <strong>
          Automated sales tax changed from {automatedSalesTaxWords(change.from)} to{' '}
          {automatedSalesTaxWords(change.to)} on {formatDate(change.seenAt)}
        </strong>
        : invoices pushed since may be taxed differently in QuickBooks; run a reconciliation to compare them.
      </p>
      <p>
        <Link to={RECONCILIATION_PATH}>Open the reconciliation</Link>
      </p>
    </div>
  );
}
