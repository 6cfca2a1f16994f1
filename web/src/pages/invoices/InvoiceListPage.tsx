export function InvoiceListPage() {
  return <h1>Invoices</h1>;
}
