import { registerHooks } from 'node:module';

/**
 * The test rigs (test/support/connect-rig.ts, push-rig.ts) import `@jest/globals` for their `use*()`
 * fixtures, and that package throws when loaded outside Jest. Benches use the rigs' classes, never the
 * fixtures, so `@jest/globals` resolves to inert hooks here. Call before importing a rig (dynamically:
 * static imports are resolved before any code runs).
 */
export function allowTestRigsOutsideJest(): void {
  // `expect(...).toBe` for the e2e steps the payment bench reuses (test/e2e/support/quickbooks.ts checks the
  // consent redirect with it): it throws like Jest's, so a failed step still stops a bench.
  const inert = `
export const beforeAll = () => {}, afterAll = () => {}, beforeEach = () => {}, afterEach = () => {};
export function expect(actual) {
  return {
    toBe(expected) {
      if (!Object.is(actual, expected)) throw new Error('expected ' + String(expected) + ', got ' + String(actual));
    },
  };
}`;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === '@jest/globals') {
        return { url: `data:text/javascript,${encodeURIComponent(inert)}`, shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}
