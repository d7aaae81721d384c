/** Unit tests live in test/unit, end-to-end tests with real Chromium, nginx-rtmp and ffmpeg in test/integration. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  testTimeout: 60000,
  // The end-to-end tests share 2 cores with Chromium, ffmpeg and nginx: run files one at a time.
  maxWorkers: 1,
};
