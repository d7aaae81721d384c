/** Unit tests live in test/unit, end-to-end tests with real Chromium, nginx-rtmp and ffmpeg in test/integration. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  testTimeout: 60000,
  // Two files at a time: most end-to-end time is spent waiting for real-time media (the box was 42 %
  // idle with two, and the suite took 8 min instead of 15), and their bounds allow a loaded 2-core box.
  maxWorkers: 2,
};
