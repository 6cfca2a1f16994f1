import { registerHooks } from 'node:module';

/**
 * The test rigs (test/support/connect-rig.ts, push-rig.ts) import `@jest/globals` for their `use*()`
 * fixtures, and that package throws when loaded outside Jest. Benches use the rigs' classes, never the
 * fixtures, so `@jest/globals` resolves to inert hooks here. Call before importing a rig (dynamically:
 * static imports are resolved before any code runs).
 */
export function allowTestRigsOutsideJest(): void {
  const inert =
    'export const beforeAll = () => {}, afterAll = () => {}, beforeEach = () => {}, afterEach = () => {};';
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === '@jest/globals') {
        return { url: `data:text/javascript,${encodeURIComponent(inert)}`, shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}
