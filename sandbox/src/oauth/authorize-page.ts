import type { RegisteredApp } from '../apps.js';
import type { Realm } from '../company/realm.js';

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f8;margin:0;padding:40px}
main{max-width:520px;margin:auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 1px 4px #0002}
h1{font-size:20px;margin-top:0}.muted{color:#666;font-size:14px}label{display:block;padding:8px;border:1px solid #ddd;border-radius:6px;margin:6px 0}
button{font-size:15px;padding:10px 18px;border-radius:6px;border:0;margin-right:8px;cursor:pointer}
.approve{background:#2ca01c;color:#fff}.deny{background:#e4e6eb}code{background:#f0f0f0;padding:1px 4px}`;

/** The consent screen: pick a company (only when a QuickBooks scope was asked for) and approve or deny. */
export function consentPage(input: {
  app: RegisteredApp;
  scopes: string[];
  realms: Realm[];
  companyNames: Map<string, string>;
  pendingId: string;
  needsCompany: boolean;
}): string {
  const companies = input.needsCompany
    ? input.realms
        .map(
          (realm, index) =>
            `<label><input type="radio" name="realmId" value="${escapeHtml(realm.realmId)}"${index === 0 ? ' checked' : ''}> ` +
            `${escapeHtml(input.companyNames.get(realm.realmId) ?? realm.realmId)} <span class="muted">(${realm.country}, realm ${escapeHtml(realm.realmId)})</span></label>`,
        )
        .join('\n')
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Connect to QuickBooks (sandbox emulator)</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(input.app.name)} wants to connect to your QuickBooks company</h1>
<p class="muted">Local QuickBooks Online sandbox emulator. Requested scopes: ${input.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}</p>
<form method="post" action="/connect/oauth2/decision">
<input type="hidden" name="pending" value="${escapeHtml(input.pendingId)}">
${input.needsCompany ? `<p><strong>Choose a company</strong></p>\n${companies}` : ''}
<p><button class="approve" type="submit" name="decision" value="approve">Connect</button>
<button class="deny" type="submit" name="decision" value="deny">Cancel</button></p>
</form></main></body></html>`;
}

/** Intuit shows its own page for a bad client or redirect_uri and never redirects (§1.2). */
export function errorPage(title: string, detail: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p></main></body></html>`;
}
