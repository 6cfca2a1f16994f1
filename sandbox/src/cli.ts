import { DEFAULT_APP } from './apps.js';
import { startSandbox } from './index.js';
import type { SandboxLogger } from './logger.js';

const USAGE =
  'Usage: npm run sandbox -- [--port 4010] [--host 127.0.0.1] [--auto-approve] [--no-limits] [--verbose]\n' +
  '                          [--allow-remote-control] [--control-host <name>]... [--redirect-uri <uri>]...\n' +
  '                          [--webhook-url <url>]';

/** See USAGE; `--control-host` and `--redirect-uri` (added to the default app's list) may be repeated. */
function parseArgs(argv: string[]): {
  port: number;
  host: string;
  autoApprove: boolean;
  limits: boolean;
  verbose: boolean;
  allowRemoteControl: boolean;
  controlHosts: string[];
  redirectUris: string[];
  webhookUrl: string | null;
} {
  const args = {
    port: 4010,
    host: '127.0.0.1',
    autoApprove: false,
    limits: true,
    verbose: false,
    allowRemoteControl: false,
    controlHosts: [] as string[],
    redirectUris: [] as string[],
    webhookUrl: null as string | null,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--port' && value !== undefined) {
      args.port = Number(value);
      i += 1;
    } else if (arg?.startsWith('--port=')) args.port = Number(arg.slice('--port='.length));
    else if (arg === '--host' && value !== undefined) {
      args.host = value;
      i += 1;
    } else if (arg === '--control-host' && value !== undefined) {
      args.controlHosts.push(value);
      i += 1;
    } else if (arg === '--redirect-uri' && value !== undefined) {
      if (!URL.canParse(value)) throw new Error(`invalid --redirect-uri ${value}`);
      args.redirectUris.push(value);
      i += 1;
    } else if (arg === '--webhook-url' && value !== undefined) {
      if (!URL.canParse(value)) throw new Error(`invalid --webhook-url ${value}`);
      args.webhookUrl = value;
      i += 1;
    } else if (arg === '--allow-remote-control') args.allowRemoteControl = true;
    else if (arg === '--auto-approve') args.autoApprove = true;
    else if (arg === '--no-limits') args.limits = false;
    else if (arg === '--verbose') args.verbose = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535)
    throw new Error(`invalid --port ${args.port}`);
  return args;
}

const args = parseArgs(process.argv.slice(2));
const logger: SandboxLogger = (level, message, data) => {
  if (level === 'debug' && !args.verbose) return;
  const line = `[sandbox] ${level}: ${message}${data ? ` ${JSON.stringify(data)}` : ''}`;
  // Warnings (such as listening on a network address) must not scroll past among the start-up lines.
  if (level === 'warn') console.error(`\n${line}\n`);
  else console.log(line);
};
const sandbox = await startSandbox({
  port: args.port,
  host: args.host,
  logger,
  controlSurface: { allowRemote: args.allowRemoteControl, allowedHosts: args.controlHosts },
  ...(args.redirectUris.length > 0
    ? { defaultApp: { redirectUris: [...DEFAULT_APP.redirectUris, ...args.redirectUris] } }
    : {}),
  settings: {
    oauth: { authorizeMode: args.autoApprove ? 'approve' : 'manual' },
    limits: { enabled: args.limits },
  },
});

// The developer portal's webhook endpoint of the default app: where its signed notifications are POSTed.
if (args.webhookUrl) sandbox.control.updateApp(sandbox.app.clientId, { webhookUrl: args.webhookUrl });
const app = sandbox.app;
console.log(`QuickBooks Online sandbox emulator listening on ${sandbox.url}`);
console.log('');
console.log('Default development app (Intuit developer portal "Development keys"):');
console.log(`  client id:      ${app.clientId}`);
console.log(`  client secret:  ${app.clientSecret}`);
console.log(`  redirect URIs:  ${app.redirectUris.join('\n                  ')}`);
console.log(`  verifier token: ${app.verifierToken}`);
console.log(`  webhook URL:    ${args.webhookUrl ?? '(none: no notifications are sent)'}`);
console.log('');
console.log('Companies:');
for (const realm of sandbox.realms) console.log(`  ${realm.realmId}  ${realm.country}  ${realm.companyName}`);
console.log('');
console.log(`Discovery:  ${sandbox.discoveryUrl}`);
console.log(`API base:   ${sandbox.apiBaseUrl}/v3/company/{realmId}/...`);
console.log(`Control:    ${sandbox.controlUrl}/...`);
console.log('');
console.log('Open this URL in a browser to connect the default app:');
console.log(`  ${sandbox.authorizeUrl()}`);

const shutdown = (signal: string) => {
  console.log(`[sandbox] ${signal}: closing`);
  void sandbox.close().then(() => process.exit(0));
};
process.once('SIGINT', () => shutdown('SIGINT'));
process.once('SIGTERM', () => shutdown('SIGTERM'));
