/** The panel's paths, in one place: pages link to each other through these. */
export const QUICKBOOKS_PATH = '/settings/integrations/quickbooks';
export const MAPPING_PATH = `${QUICKBOOKS_PATH}/mapping`;
export const SYNC_LOG_PATH = `${QUICKBOOKS_PATH}/log`;
export const RECONCILIATION_PATH = `${QUICKBOOKS_PATH}/reconciliation`;

/** The sync log narrowed to one invoice's attempts. */
export function syncLogOf(invoiceId: string): string {
  return `${SYNC_LOG_PATH}?entity=${encodeURIComponent(invoiceId)}`;
}
