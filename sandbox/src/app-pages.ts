import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxCore } from './core.js';
import { getArray, getDoc, getNumber, getString, isDoc, type Doc } from './util/json.js';

/**
 * A read-only stand-in for QuickBooks Online's web app at its invoice path, `/app/invoice?txnId=<Id>`, so
 * an "open in QuickBooks" link works against the emulator. Intuit's app knows the company from the
 * signed-in session; the emulator has no sessions, so the link carries `realmId`. It shows company data
 * without authentication, so it sits behind the control surface's guard (this machine only).
 */
export const APP_INVOICE_PATH = '/app/invoice';

type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

export function registerAppPages(app: FastifyInstance, core: SandboxCore, guard: Guard): void {
  app.get(APP_INVOICE_PATH, { onRequest: guard }, (request, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const txnId = typeof query.txnId === 'string' ? query.txnId : '';
    const realmId = typeof query.realmId === 'string' ? query.realmId : '';
    if (!txnId || !realmId) {
      return page(reply, 400, 'Invoice not shown', 'The link needs both txnId and realmId.');
    }
    const realm = core.realms.get(realmId);
    const invoice = realm?.get('Invoice', txnId);
    if (!realm || !invoice) {
      return page(reply, 404, 'Invoice not found', `Company ${realmId} has no invoice ${txnId}.`);
    }
    return page(
      reply,
      200,
      `Invoice ${getString(invoice, 'DocNumber') ?? txnId}`,
      '',
      invoiceBody(invoice, realmId),
    );
  });
}

function invoiceBody(invoice: Doc, realmId: string): string {
  const customer = getDoc(invoice, 'CustomerRef');
  const facts: [string, string | undefined][] = [
    ['Company', realmId],
    ['QuickBooks Id', getString(invoice, 'Id')],
    ['Number', getString(invoice, 'DocNumber')],
    ['Customer', customer ? (getString(customer, 'name') ?? getString(customer, 'value')) : undefined],
    ['Date', getString(invoice, 'TxnDate')],
    ['Due', getString(invoice, 'DueDate')],
    ['Total', money(getNumber(invoice, 'TotalAmt'))],
    ['Tax', money(getNumber(getDoc(invoice, 'TxnTaxDetail') ?? {}, 'TotalTax'))],
    ['Balance', money(getNumber(invoice, 'Balance'))],
    ['Memo', getString(invoice, 'PrivateNote')],
  ];
  const rows = facts
    .filter((fact): fact is [string, string] => fact[1] !== undefined)
    .map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  const lines = (getArray(invoice, 'Line') ?? [])
    .filter(isDoc)
    .filter((line) => getString(line, 'DetailType') === 'SalesItemLineDetail')
    .map((line) => {
      const item = getDoc(getDoc(line, 'SalesItemLineDetail') ?? {}, 'ItemRef');
      return (
        `<tr><td>${escapeHtml(item ? (getString(item, 'name') ?? getString(item, 'value') ?? '') : '')}</td>` +
        `<td>${escapeHtml(getString(line, 'Description') ?? '')}</td>` +
        `<td class="num">${escapeHtml(money(getNumber(line, 'Amount')) ?? '')}</td></tr>`
      );
    })
    .join('');
  return (
    `<table class="facts">${rows}</table>` +
    `<table class="lines"><thead><tr><th>Item</th><th>Description</th><th>Amount</th></tr></thead><tbody>${lines}</tbody></table>`
  );
}

function money(value: number | undefined): string | undefined {
  return value === undefined ? undefined : value.toFixed(2);
}

function page(reply: FastifyReply, status: number, title: string, detail: string, body = ''): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
        `<style>body{font:15px system-ui,sans-serif;margin:2rem}th{text-align:left;padding-right:1rem}td.num{text-align:right}</style></head>` +
        `<body><p>QuickBooks Online sandbox emulator (read-only)</p><h1>${escapeHtml(title)}</h1>` +
        (detail ? `<p>${escapeHtml(detail)}</p>` : '') +
        `${body}</body></html>`,
    );
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
