export { InvoicePushService } from './invoice-push-service.js';
export type {
  InvoicePushDeps,
  PushClient,
  PushOperation,
  PushRequest,
  PushResult,
} from './invoice-push-service.js';
export { PushActionRequired, classifyFailure, type FailureClass } from './failures.js';
export { findCreatedInvoice, isCopyOf, type QuickBooksInvoice } from './lookup.js';
export { createRequestId } from './request-ids.js';
export { composeInvoicePush } from './compose.js';
