export function MappingPage() {
  return <h1>Mapping</h1>;
}
