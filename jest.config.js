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
  testPathIgnorePatterns: process.env.MULTIARCH_UNIT_ONLY ? ['/node_modules/', '\\.e2e\\.test\\.ts$'] : ['/node_modules/'],
  testTimeout: 120000
};
