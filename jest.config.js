/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'es6' },
  },
];

/** What every project shares: projects do not inherit the top-level options. */
const common = {
  rootDir: import.meta.dirname,
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  // Sources import siblings as './x.js' (nodenext); map them back to the .ts file under test.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30000,
};

/**
 * Three projects, so pure logic runs without backing services: `npm run test:unit` (or `npm test --
 * test/unit/x.test.ts`) selects only `unit`, whose files may not need Redis or MongoDB, and Jest runs a
 * project's global setup only when one of its files runs. `browser` (test/browser: the web panel in
 * Chromium) also builds the panel and installs Chromium first. `npm test` runs all three.
 */
export default {
  testTimeout: common.testTimeout,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'services',
      testMatch: [
        '<rootDir>/test/**/*.test.ts',
        '<rootDir>/sandbox/test/**/*.test.ts',
        '<rootDir>/examples/*/test/**/*.test.ts',
      ],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/', '<rootDir>/test/browser/'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/browser/support/timeouts.ts'],
      globalSetup: '<rootDir>/test/support/browser-global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
};
