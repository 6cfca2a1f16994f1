import type { CombinedError } from 'urql';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { MappingRemoveDocument, type MappingListQuery } from '../../../generated/graphql';
import { formatDateTime } from '../../../format';
import { useMappingPage } from './context';
import { TargetPicker } from './TargetPicker';
import { KIND_LABEL, sourceKeyLabel } from './words';

type Mapping = NonNullable<MappingListQuery['quickbooksMappings']>[number];

/** Every mapping the account has, judged against the company as last read; admins change or remove them. */
export function MappingTable({
  mappings,
  error,
  fetching,
}: {
  mappings: Mapping[] | null | undefined;
  error: CombinedError | undefined;
  fetching: boolean;
}) {
  const { isAdmin } = useMappingPage();
  const brokenCount = (mappings ?? []).filter((m) => m.status === 'BROKEN').length;
  return (
    <section className="card" aria-labelledby="mappings-heading">
      <h2 id="mappings-heading">Current mappings</h2>
      {error ? <ErrorNotice error={error} context="The mappings could not be read" /> : null}
      {!mappings && fetching ? <p className="muted">Loading the mappings…</p> : null}
      {mappings && mappings.length === 0 ? <p>Nothing is mapped yet.</p> : null}
      {brokenCount > 0 ? (
        <p className="notice notice-error">
          {brokenCount} {brokenCount === 1 ? 'mapping is' : 'mappings are'} broken: invoices that need{' '}
          {brokenCount === 1 ? 'it' : 'them'} wait until {brokenCount === 1 ? 'it is' : 'they are'} mapped
          again.
        </p>
      ) : null}
      {mappings && mappings.length > 0 ? (
        <table className="mapping-table">
          <caption className="visually-hidden">
            Mappings from platform keys to QuickBooks, with their status
          </caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Platform key</th>
              <th scope="col">QuickBooks target</th>
              <th scope="col">Status</th>
              <th scope="col">Updated</th>
              {isAdmin ? <th scope="col">Change</th> : null}
            </tr>
          </thead>
          <tbody>
            {mappings.map((mapping) => (
              <MappingRow key={`${mapping.kind}|${mapping.sourceKey}`} mapping={mapping} />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function MappingRow({ mapping }: { mapping: Mapping }) {
  const { isAdmin, customerId, refetchAll, reportSuccess } = useMappingPage();
  const [{ fetching, error }, remove] = useMutation(MappingRemoveDocument);
  const label = sourceKeyLabel(mapping.sourceKey);
  const broken = mapping.status === 'BROKEN';

  const onRemove = async () => {
    const result = await remove({ customerId, kind: mapping.kind, sourceKey: mapping.sourceKey });
    if (result.data) {
      reportSuccess(`The mapping for ${label} was removed.`);
      refetchAll();
    }
  };

  return (
    <tr className={broken ? 'mapping-broken' : undefined} data-source-key={mapping.sourceKey}>
      <td>{KIND_LABEL[mapping.kind]}</td>
      <th scope="row">{label}</th>
      <td>{mapping.targetName}</td>
      <td>
        {broken ? (
          <>
            <span className="pill pill-bad" data-status="BROKEN">
              ⚠ Broken
            </span>
            <span className="mapping-reason">
              {mapping.reason ?? 'its QuickBooks target no longer works'}
            </span>
          </>
        ) : (
          <span className="pill pill-ok" data-status="OK">
            OK
          </span>
        )}
      </td>
      <td>
        {formatDateTime(mapping.updatedAt)}
        <br />
        <span className="muted">by {mapping.updatedBy}</span>
      </td>
      {isAdmin ? (
        <td className="mapping-change">
          <TargetPicker
            kind={mapping.kind}
            sourceKey={mapping.sourceKey}
            currentTargetId={mapping.targetId}
          />
          <button
            type="button"
            className="danger"
            aria-label={`Remove the mapping for ${label}`}
            disabled={fetching}
            onClick={() => void onRemove()}
          >
            {fetching ? 'Removing…' : 'Remove'}
          </button>
          {error ? <ErrorNotice error={error} context={`${label} was not removed`} /> : null}
        </td>
      ) : null}
    </tr>
  );
}
