/** ESM + ts-jest: @actions/* are ESM-only, so tests run as native ESM modules. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }]
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  // `npm run test:unit` leaves out everything that needs the real stack.
  // `npm test` runs the unit tests in workers, then the real-stack tests one at a time (they share
  // one Docker stack): two shorter processes instead of one that carries every suite.
  testPathIgnorePatterns: process.env.MULTIARCH_UNIT_ONLY ? ['/node_modules/', '\\.e2e\\.test\\.ts$'] : ['/node_modules/'],
  ...(process.env.MULTIARCH_E2E_ONLY ? { testRegex: '\\.e2e\\.test\\.ts$', testMatch: undefined } : {}),
  testTimeout: 120000
};
