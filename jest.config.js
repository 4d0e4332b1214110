/** Real Postgres for every database test: TEST_DATABASE_URL, or one embedded cluster for the run. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/faults/', '/test/n8n-real/'],
  // Type errors are caught once by `tsc -p tsconfig.test.json` in `npm test`; here ts-jest only transpiles (fast).
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/network.ts'],
  testTimeout: 30000,
};
