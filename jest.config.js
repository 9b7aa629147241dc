/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '(src|test)/.*\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testEnvironment: 'node',
  // Booting the gateway on the embedded database (PGlite) takes ~3 s on an idle 2-core machine and
  // 20-40 s when the machine is oversubscribed; 60 s keeps hooks from failing on a busy machine.
  testTimeout: 60000,
  maxWorkers: 2,
};
