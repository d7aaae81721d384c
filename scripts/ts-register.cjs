// Lets Node run the TypeScript sources directly (`node --require ./scripts/ts-register.cjs x.ts`),
// with the same swc transform as jest: the tests start child processes (codec workers) from
// server/ without a build. Production runs the compiled dist/ and never loads this.
const { transformSync } = require('@swc/core');
const Module = require('node:module');
const fs = require('node:fs');

Module._extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
