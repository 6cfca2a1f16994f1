/** Entities are schemaless JSON documents, as on the wire; these helpers narrow them safely. */
export type Doc = Record<string, unknown>;

export function isDoc(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getString(doc: Doc, key: string): string | undefined {
  const value = doc[key];
  return typeof value === 'string' ? value : undefined;
}

export function getNumber(doc: Doc, key: string): number | undefined {
  const value = doc[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

export function getDoc(doc: Doc, key: string): Doc | undefined {
  const value = doc[key];
  return isDoc(value) ? value : undefined;
}

export function getArray(doc: Doc, key: string): unknown[] | undefined {
  const value = doc[key];
  return Array.isArray(value) ? value : undefined;
}

export function getBoolean(doc: Doc, key: string): boolean | undefined {
  const value = doc[key];
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** `{"value":"1","name":"..."}` reference types. */
export function getRefValue(doc: Doc, key: string): string | undefined {
  const ref = getDoc(doc, key);
  if (!ref) return undefined;
  const value = ref.value;
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

export function round2(value: number): number {
  return Math.round((value + Number.EPSILON) * 100) / 100;
}

/** Reads a dotted path (`MetaData.LastUpdatedTime`, `CustomerRef`) the way the query language does. */
export function readPath(doc: Doc, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (!isDoc(current)) return undefined;
    current = findKey(current, part);
  }
  if (isDoc(current) && 'value' in current) return current.value;
  return current;
}

function findKey(doc: Doc, key: string): unknown {
  if (key in doc) return doc[key];
  const lower = key.toLowerCase();
  for (const [candidate, value] of Object.entries(doc)) {
    if (candidate.toLowerCase() === lower) return value;
  }
  return undefined;
}
