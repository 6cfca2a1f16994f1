export function SyncLogPage() {
  return <h1>Sync log</h1>;
}
