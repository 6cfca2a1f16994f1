/**
 * Payments received, in Chromium through the gateway: a bookkeeper records payments in QuickBooks (the
 * emulator, through an app of their own) against an invoice sent from the platform; the emulator's signed
 * webhook reaches the API, a worker re-reads QuickBooks and tells the platform, and the open invoice page
 * turns Partially paid, then Paid with balance 0, without a reload. A payment that pays no invoice shows up
 * on the QuickBooks overview for admins, and only for them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gql } from 'graphql-request';
import type { Page } from 'playwright-core';
import type { TokenClaims } from '../../src/auth/dev-tokens.js';
import { eventually } from '../support/harness.js';
import { connectThroughGateway, createDraftInvoice, mapDemoCompany } from '../e2e/support/quickbooks.js';
import { REALM, startPanel, TENANT, type PanelRig } from './support/panel.js';
import { Bookkeeper } from '../support/bookkeeper.js';

const ADMIN: TokenClaims = { userId: 'admin-1', tenants: [TENANT], adminOf: [TENANT] };
/** A webhook, a worker pick-up, a few QuickBooks reads and the platform's hook; the machine is shared. */
const PAYMENT_TIMEOUT = 60_000;

let rig: PanelRig;
let page: Page;

beforeAll(async () => {
  rig = await startPanel();
  await connectThroughGateway(rig.graph, ADMIN, TENANT, REALM);
  await mapDemoCompany(rig.graph, rig.sandbox, ADMIN, TENANT, REALM);
  page = await rig.newPage();
  await rig.signIn(page, 'admin');
}, 180_000);

afterAll(async () => {
  await rig?.close();
});

interface Pushed {
  id: string;
  number: string;
  quickbooksInvoiceId: string;
  customerRef: string;
}

/** A finalized invoice (276.01) once QuickBooks holds it, with its QuickBooks Id and customer. */
async function pushedInvoice(): Promise<Pushed> {
  const draft = await createDraftInvoice(rig.graph, ADMIN, TENANT);
  const client = await rig.graph.client(ADMIN);
  await client.request(
    gql`
      mutation Finalize($id: ID!) {
        finalizeInvoice(id: $id) {
          status
        }
      }
    `,
    { id: draft.id },
  );
  const quickbooksInvoiceId = await eventually(async () => {
    const { invoice } = await client.request<{
      invoice: { quickbooksSyncStatus: { state: string; quickbooksInvoiceId: string | null } };
    }>(
      gql`
        query Status($id: ID!) {
          invoice(id: $id) {
            quickbooksSyncStatus {
              state
              quickbooksInvoiceId
            }
          }
        }
      `,
      { id: draft.id },
    );
    const status = invoice.quickbooksSyncStatus;
    return status.state === 'SYNCED' ? (status.quickbooksInvoiceId ?? undefined) : undefined;
  }, PAYMENT_TIMEOUT);
  const qbo = rig.sandbox.control.getEntity(REALM, 'Invoice', quickbooksInvoiceId) as {
    CustomerRef: { value: string };
  };
  return { ...draft, quickbooksInvoiceId, customerRef: qbo.CustomerRef.value };
}

/** A payment recorded in QuickBooks by a person (test/support/bookkeeper.ts). */
function recordPayment(body: Record<string, unknown>): Promise<{ Id: string }> {
  bookkeeper ??= new Bookkeeper(rig.sandbox);
  return bookkeeper.write(REALM, 'Payment', body);
}
let bookkeeper: Bookkeeper | undefined;

function payInvoice(invoice: Pushed, amount: number, reference: string) {
  return recordPayment({
    CustomerRef: { value: invoice.customerRef },
    TotalAmt: amount,
    PaymentRefNum: reference,
    Line: [{ Amount: amount, LinkedTxn: [{ TxnId: invoice.quickbooksInvoiceId, TxnType: 'Invoice' }] }],
  });
}

/** Marks the document; a reload or navigation loses the mark. */
async function markDocument(): Promise<void> {
  await page.evaluate(() => {
    document.body.dataset.sameDocument = 'yes';
  });
}

async function expectSameDocument(): Promise<void> {
  expect(await page.evaluate(() => document.body.dataset.sameDocument)).toBe('yes');
}

/** Waits until the polite live region has said `text` (it is visually hidden, so only attached). */
async function announced(text: string): Promise<void> {
  await page.getByTestId('announcer').filter({ hasText: text }).waitFor({ state: 'attached' });
}

const payments = () => page.getByTestId('payments-section');
const paymentStatus = (status: string) =>
  payments().getByTestId('payment-status').locator(`[data-payment-status="${status}"]`);

describe('payments recorded in QuickBooks, on the panel', () => {
  it('the open invoice page turns Partially paid, then Paid with balance 0, as QuickBooks records them', async () => {
    const invoice = await pushedInvoice();
    await page.goto(`/invoices/${invoice.id}`);
    await page.getByRole('heading', { level: 1, name: `Invoice ${invoice.number}` }).waitFor();
    await payments().getByRole('heading', { name: 'Payments received' }).waitFor();
    await paymentStatus('UNPAID').waitFor();
    expect(await paymentStatus('UNPAID').textContent()).toBe('Unpaid');
    await payments().getByTestId('no-quickbooks-payments').waitFor();
    expect(await payments().getByTestId('payment-balance').textContent()).toBe('$276.01');
    await markDocument();

    const first = await payInvoice(invoice, 100, 'CHK-1001');
    await paymentStatus('PARTIALLY_PAID').waitFor({ timeout: PAYMENT_TIMEOUT });
    expect(await paymentStatus('PARTIALLY_PAID').textContent()).toBe('Partially paid');
    const firstRow = payments().locator(`tr[data-payment-id="${first.Id}"]`);
    await firstRow.waitFor();
    expect(await firstRow.getByRole('cell').allTextContents()).toEqual([
      expect.any(String),
      expect.any(String),
      'CHK-1001',
      '$100.00',
      '—',
    ]);
    expect(await payments().getByTestId('amount-paid').textContent()).toContain('$100.00');
    expect(await payments().getByTestId('payment-balance').textContent()).toBe('$176.01');
    await announced(`Invoice ${invoice.number} is partially paid: $100.00 received, $176.01 still due.`);
    await expectSameDocument();

    const rest = await payInvoice(invoice, 176.01, 'CHK-1002');
    await paymentStatus('PAID').waitFor({ timeout: PAYMENT_TIMEOUT });
    expect(await paymentStatus('PAID').textContent()).toBe('Paid');
    await payments().locator(`tr[data-payment-id="${rest.Id}"]`).getByText('$176.01').waitFor();
    expect(await payments().locator('tbody tr').count()).toBe(2);
    expect(await payments().getByTestId('payment-balance').textContent()).toBe('$0.00');
    expect(await payments().getByTestId('amount-paid').textContent()).toContain('$276.01');
    await payments()
      .getByTestId('quickbooks-balance')
      .getByText('$0.00')
      .waitFor({ timeout: PAYMENT_TIMEOUT });
    await announced(`Invoice ${invoice.number} is paid: $276.01 received, balance $0.00.`);
    await expectSameDocument();

    await rig.expectAccessible(page);
    await rig.screenshot(page, 'invoice-payments');

    // The list shows where each invoice stands on payment too.
    await page.goto('/invoices');
    await page
      .locator(`tr[data-invoice-id="${invoice.id}"]`)
      .getByTestId('list-payment-status')
      .getByText('Paid', { exact: true })
      .waitFor();
  });

  it('a payment that pays no invoice appears on the overview for admins when they check again', async () => {
    const invoice = await pushedInvoice();
    await page.goto('/settings/integrations/quickbooks');
    const card = page.getByRole('region', { name: 'Payments from QuickBooks' });
    await card.getByTestId('pull-payments').getByText('On:').waitFor();
    const headline = card.getByTestId('unmatched-headline');
    await headline.waitFor();
    const before = await headline.textContent();
    await markDocument();

    // TotalAmt only, no Line: QuickBooks keeps it as credit on the customer (UnappliedAmt).
    const credit = await recordPayment({
      CustomerRef: { value: invoice.customerRef },
      TotalAmt: 42.5,
      PaymentRefNum: 'CREDIT-77',
    });
    const admin = await rig.graph.client(ADMIN);
    await eventually(async () => {
      const { quickbooksUnmatchedPayments } = await admin.request<{
        quickbooksUnmatchedPayments: { quickbooksPaymentId: string }[];
      }>(
        gql`
          query Unmatched($customerId: ID!) {
            quickbooksUnmatchedPayments(customerId: $customerId) {
              quickbooksPaymentId
            }
          }
        `,
        { customerId: TENANT },
      );
      return quickbooksUnmatchedPayments.some((p) => p.quickbooksPaymentId === credit.Id) ? true : undefined;
    }, PAYMENT_TIMEOUT);

    // No invoice of ours changed, so no event: the admin checks again, on the same page.
    await card.getByRole('button', { name: 'Check again' }).click();
    const item = card.locator(`li[data-payment-id="${credit.Id}"]`);
    await item.waitFor();
    expect(await item.getAttribute('data-reason')).toBe('UNAPPLIED');
    const text = await item.textContent();
    expect(text).toContain('$42.50');
    expect(text).toContain('CREDIT-77');
    expect(text).toContain('It pays no invoice: QuickBooks holds it as credit for the customer.');
    expect(await headline.textContent()).toMatch(
      /^\d+ payments? in QuickBooks (doesn't|don't) pay any invoice sent from here$/,
    );
    expect(await headline.textContent()).not.toBe(before);
    await expectSameDocument();

    await rig.expectAccessible(page);
    await rig.screenshot(page, 'quickbooks-unmatched-payments');
  });

  it('a member sees whether payments come back, without the unmatched list', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await rig.signIn(page, 'member');
    const card = page.getByRole('region', { name: 'Payments from QuickBooks' });
    await card.getByTestId('pull-payments').waitFor();
    expect(await card.getByTestId('unmatched-payments').count()).toBe(0);
    expect(rig.browserErrors()).toEqual([]);
  });
});
