export function OverviewPage() {
  return <h1>QuickBooks</h1>;
}
