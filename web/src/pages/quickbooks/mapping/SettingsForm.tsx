import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../../components/ErrorNotice';
import {
  MappingUpdateSettingsDocument,
  type MappingConnectionQuery,
  type MappingReferenceDataQuery,
  type QuickBooksExistingInvoiceNumber,
  type QuickBooksTaxDifferencePolicy,
} from '../../../generated/graphql';
import { useMappingPage } from './context';
import { EXISTING_NUMBER_CHOICES, TAX_DIFFERENCE_CHOICES } from './words';

type Settings = NonNullable<MappingConnectionQuery['quickbooksConnection']>['settings'];
type Term = NonNullable<MappingReferenceDataQuery['quickbooksTerms']>['nodes'][number];

/** The select's value for "no default terms": QuickBooks then uses the company's own default. */
const COMPANY_DEFAULT = '';

/**
 * The stored default terms in words: the term's name, and whether QuickBooks still has it active. `terms`
 * is undefined while the company's lists are not read (loading, not connected, QuickBooks unavailable).
 */
function currentTerms(
  id: string | null,
  terms: readonly Term[] | undefined,
): { label: string; problem?: string } {
  if (!id) return { label: 'Company default' };
  if (!terms) return { label: `QuickBooks term ${id}` };
  const term = terms.find((t) => t.id === id);
  if (!term) {
    return {
      label: `QuickBooks term ${id} (not found in QuickBooks)`,
      problem: `The default terms (QuickBooks term ${id}) were not found in QuickBooks as last read.`,
    };
  }
  if (!term.active) {
    return {
      label: `${term.name} (inactive in QuickBooks)`,
      problem: `The default terms, ${term.name}, are inactive in QuickBooks.`,
    };
  }
  return { label: term.name };
}

/**
 * How the sync behaves. Admins edit and save (updateQuickBooksSettings); members see the same form
 * disabled, and the default terms as text. Default terms are chosen among the company's active Terms as
 * last read (quickbooksTerms); the server checks the choice against QuickBooks itself when saving.
 */
export function SettingsForm({ settings, onSaved }: { settings: Settings; onSaved(): void }) {
  const { isAdmin, customerId, reportSuccess, reference } = useMappingPage();
  const [autoSync, setAutoSync] = useState(settings.autoSync);
  const [existing, setExisting] = useState<QuickBooksExistingInvoiceNumber>(settings.existingInvoiceNumber);
  const [pullPayments, setPullPayments] = useState(settings.pullPayments);
  const [taxDifferences, setTaxDifferences] = useState<QuickBooksTaxDifferencePolicy>(
    settings.taxDifferences,
  );
  const storedTermsId = settings.defaultTermsId ?? COMPANY_DEFAULT;
  const [termsId, setTermsId] = useState(storedTermsId);
  const [{ fetching, error }, update] = useMutation(MappingUpdateSettingsDocument);
  const base = useId();
  const ids = {
    auto: `${base}-auto`,
    pull: `${base}-pull`,
    choice: `${base}-existing`,
    tax: `${base}-tax`,
    terms: `${base}-terms`,
  };
  const terms = reference?.quickbooksTerms?.nodes;
  const current = currentTerms(settings.defaultTermsId, terms);
  const activeTerms = (terms ?? []).filter((term) => term.active);
  // A stored choice the list no longer offers (inactive, gone, or the list not read) stays selectable as is.
  const currentOffered = activeTerms.some((term) => term.id === settings.defaultTermsId);
  const termsChanged = termsId !== storedTermsId;
  const changed =
    autoSync !== settings.autoSync ||
    existing !== settings.existingInvoiceNumber ||
    pullPayments !== settings.pullPayments ||
    taxDifferences !== settings.taxDifferences ||
    termsChanged;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await update({
      customerId,
      input: {
        autoSync,
        existingInvoiceNumber: existing,
        pullPayments,
        taxDifferences,
        // Sent only when changed: an unchanged choice needs no check against QuickBooks.
        ...(termsChanged ? { defaultTermsId: termsId === COMPANY_DEFAULT ? null : termsId } : {}),
      },
    });
    if (result.data) {
      reportSuccess('The sync settings were saved.');
      onSaved();
    }
  };

  return (
    <section className="card" aria-labelledby="settings-heading">
      <h2 id="settings-heading">Sync settings</h2>
      {isAdmin ? null : <p className="muted">Only an admin of this account can change these settings.</p>}
      <form className="settings-form" onSubmit={(event) => void onSubmit(event)}>
        <div className="checkbox-row">
          <input
            id={ids.auto}
            type="checkbox"
            checked={autoSync}
            disabled={!isAdmin}
            onChange={(event) => setAutoSync(event.target.checked)}
            aria-describedby={`${ids.auto}-help`}
          />
          <label htmlFor={ids.auto}>Automatic sync</label>
          <p className="field-help muted" id={`${ids.auto}-help`}>
            On: invoices are sent to QuickBooks when they change. Off: only when someone sends them.
          </p>
        </div>

        <fieldset disabled={!isAdmin}>
          <legend>When the invoice number already exists in QuickBooks</legend>
          {EXISTING_NUMBER_CHOICES.map((choice) => (
            <div className="radio-row" key={choice.value}>
              <input
                id={`${ids.choice}-${choice.value}`}
                type="radio"
                name="existingInvoiceNumber"
                value={choice.value}
                checked={existing === choice.value}
                onChange={() => setExisting(choice.value)}
                aria-describedby={`${ids.choice}-${choice.value}-help`}
              />
              <label htmlFor={`${ids.choice}-${choice.value}`}>{choice.label}</label>
              <p className="field-help muted" id={`${ids.choice}-${choice.value}-help`}>
                {choice.help}
              </p>
            </div>
          ))}
        </fieldset>

        <fieldset disabled={!isAdmin}>
          <legend>When QuickBooks’ tax differs from the tax billed here</legend>
          <p className="field-help muted">
            Automated sales tax, rounding or sales tax turned off in QuickBooks can make QuickBooks hold
            another tax than the invoice.
          </p>
          {TAX_DIFFERENCE_CHOICES.map((choice) => (
            <div className="radio-row" key={choice.value}>
              <input
                id={`${ids.tax}-${choice.value}`}
                type="radio"
                name="taxDifferences"
                value={choice.value}
                checked={taxDifferences === choice.value}
                onChange={() => setTaxDifferences(choice.value)}
                aria-describedby={`${ids.tax}-${choice.value}-help`}
              />
              <label htmlFor={`${ids.tax}-${choice.value}`}>{choice.label}</label>
              <p className="field-help muted" id={`${ids.tax}-${choice.value}-help`}>
                {choice.help}
              </p>
            </div>
          ))}
        </fieldset>

        <div className="checkbox-row">
          <input
            id={ids.pull}
            type="checkbox"
            checked={pullPayments}
            disabled={!isAdmin}
            onChange={(event) => setPullPayments(event.target.checked)}
            aria-describedby={`${ids.pull}-help`}
          />
          <label htmlFor={ids.pull}>Pull payments</label>
          <p className="field-help muted" id={`${ids.pull}-help`}>
            Payments recorded in QuickBooks are brought back and deposited to the mapped deposit account.
          </p>
        </div>

        {isAdmin ? (
          <div className="terms-row">
            <label htmlFor={ids.terms}>Default terms</label>
            <select
              id={ids.terms}
              value={termsId}
              onChange={(event) => setTermsId(event.target.value)}
              aria-describedby={`${ids.terms}-help${current.problem ? ` ${ids.terms}-problem` : ''}`}
            >
              <option value={COMPANY_DEFAULT}>Company default</option>
              {settings.defaultTermsId && !currentOffered ? (
                <option value={settings.defaultTermsId}>{current.label}</option>
              ) : null}
              {activeTerms.map((term) => (
                <option key={term.id} value={term.id}>
                  {term.name}
                </option>
              ))}
            </select>
            <p className="field-help muted" id={`${ids.terms}-help`}>
              Put on every invoice sent to QuickBooks; an invoice without a due date gets one from them.
              Company default: QuickBooks uses the terms set in the company.
              {terms
                ? null
                : ' The QuickBooks terms are not read yet, so only the current choice is offered.'}
            </p>
            {current.problem ? (
              <p className="notice notice-warn" id={`${ids.terms}-problem`}>
                {current.problem} Choose other terms or the company default, then save.
              </p>
            ) : null}
          </div>
        ) : (
          <dl className="facts">
            <dt>Default terms</dt>
            <dd data-testid="default-terms">{current.label}</dd>
          </dl>
        )}

        {isAdmin ? (
          <button type="submit" disabled={fetching || !changed}>
            {fetching ? 'Saving…' : 'Save settings'}
          </button>
        ) : null}
        {error ? <ErrorNotice error={error} context="The settings were not saved" /> : null}
      </form>
    </section>
  );
}
