/**
 * The verified caller: who they are, which tenants (host Customer ids) they belong to, and which of those
 * they administer. `adminOf` is always a subset of `tenants`: a role claimed for a customer the user is not
 * a member of is dropped when the token is read (token-verifier.ts).
 */
export interface Viewer {
  userId: string;
  tenants: ReadonlySet<string>;
  adminOf: ReadonlySet<string>;
  /**
   * Set only for a platform service calling on its own behalf (the JWT `service` claim, e.g.
   * "platform-host"): the service-only operations (notifyQuickBooksInvoiceChanged) require it, and it
   * still acts only within `tenants`. Tenant users' tokens never carry it.
   */
  service?: string;
}

/** What an operation needs of the caller within one tenant; every admin is also a member. */
export type TenantRole = 'member' | 'admin';
