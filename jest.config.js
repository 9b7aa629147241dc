/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '(src|test)/.*\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  testEnvironment: 'node',
  // Booting the gateway on the embedded database (PGlite) takes ~3 s on an idle 2-core machine and
  // 20-60 s when the machine is oversubscribed; 120 s keeps hooks from failing on a busy machine
  // (a passing test never waits for it).
  testTimeout: 120000,
  // Most suites wait on I/O (boots, child processes, Postgres, Redis): three workers keep two cores busy.
  maxWorkers: 3,
};
