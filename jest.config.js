/** Tests run from TypeScript sources; workspace packages resolve to their src/. */
module.exports = {
  testEnvironment: '<rootDir>/test/node-environment.js',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json' }] },
  moduleNameMapper: { '^@dynet/(graph|train|infer|cli)$': '<rootDir>/packages/$1/src' },
  globalSetup: '<rootDir>/test/global-setup.js',
  setupFiles: ['<rootDir>/test/ort-threads.js'],
  testTimeout: 600000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
