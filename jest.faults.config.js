/** Fault tests: the real runtime as a child process (needs `npm run build`), killed and starved on purpose. */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 300_000,
};
