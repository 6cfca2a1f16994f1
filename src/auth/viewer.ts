/** The verified caller: who they are and which tenants (host Customer ids) they may act for. */
export interface Viewer {
  userId: string;
  tenants: ReadonlySet<string>;
  roles: readonly string[];
}

export function mayActFor(viewer: Viewer, customerId: string): boolean {
  return viewer.tenants.has(customerId);
}
