/**
 * `npm run rotate-token-keys`: re-encrypts every stored QuickBooks token under
 * QUICKBOOKS_TOKEN_ACTIVE_KEY_ID (reads QUICKBOOKS_TOKEN_KEYS and MONGODB_URI like the services do).
 * Prints the counts as JSON on stdout; the log, with one audit line per connection, goes to stderr. Exit codes: 0 all done, 1 some connections could not be decrypted (see the
 * log; do not retire their key), 78 invalid configuration. Safe to run again, and while services run.
 */
import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { connectDatabase, CustomerModel, disconnectDatabase, models } from '../src/models/index.js';
import { AuditLogService, recordKeyRotation } from '../src/services/audit-log.js';
import { reencryptAll } from '../src/quickbooks/vault/key-rotation.js';
import { TokenCipher } from '../src/quickbooks/vault/token-cipher.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`rotate-token-keys: ${error.message}`);
  process.exit(78);
}

// Logs (the audit trail) go to stderr, so stdout carries only the counts for whoever runs the script.
const logger = createLogger({ level: config.logLevel, name: 'rotate-token-keys' }, pino.destination(2));
await connectDatabase(config.mongo.uri, config.mongo.dbName);
const auditLog = new AuditLogService({ models });
try {
  const counts = await reencryptAll({
    customers: CustomerModel,
    cipher: new TokenCipher(config.quickbooks.tokenKeys),
    // Each tenant's audit log gets its entry; the log line carries tenant ids, key ids and outcomes only.
    audit: async (entry) => {
      logger.info({ audit: entry }, 'token key rotation audit');
      await recordKeyRotation(auditLog, entry);
    },
    logger,
  });
  console.log(JSON.stringify({ activeKeyId: config.quickbooks.tokenKeys.activeKeyId, ...counts }));
  process.exitCode = counts.failed > 0 ? 1 : 0;
} finally {
  await disconnectDatabase();
}
