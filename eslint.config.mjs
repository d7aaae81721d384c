// ESLint (flat config) for the gateway: `npm run lint`, which scripts/test.sh runs before jest.
//
// Why typescript-eslint is loaded from tools/lint/: the build uses TypeScript 7 (the Go-native
// compiler, package `typescript` in package.json), which ships no JavaScript compiler API, while
// typescript-eslint 8 needs that API (peer `typescript >=4.8.4 <6.1.0`). So typescript-eslint gets
// a TypeScript 6 of its own: tools/lint is an npm workspace whose only devDependencies are
// typescript-eslint and typescript@~6.0.3, and the `overrides` entry in package.json makes every
// package under typescript-eslint take that TypeScript 6 (ts-api-utils too, whose own peer range
// would accept 7 and so would be hoisted next to it). npm therefore installs them all in
// tools/lint/node_modules beside TypeScript 6, while node_modules/typescript and
// node_modules/.bin/tsc stay TypeScript 7. Every peer range is really satisfied (`npm ls` is
// clean) and nothing is patched at run time. Drop tools/lint once typescript-eslint supports
// TypeScript 7.
import { createRequire } from 'node:module';

const tseslint = createRequire(new URL('./tools/lint/package.json', import.meta.url))('typescript-eslint');

export default tseslint.config(
  // `npm run lint` names what is linted: server, web-sdk/src, bench, test, scripts and this file.
  { ignores: ['dist/**', 'tools/**', 'web-sdk/demo/**'] },
  tseslint.configs.recommended,
  {
    rules: {
      eqeqeq: 'error',
      // `let x; const f = () => x; x = v;`: x is read (by a closure) before its only assignment,
      // so it cannot become a const where it is declared.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // The same exemptions as tsc's noUnusedLocals/noUnusedParameters: `_`-prefixed parameters
      // (Express's 4-argument error handler) and rest siblings used to omit properties.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Type-aware rules, for the TypeScript sources: each file is checked against the tsconfig
    // that covers it (tsconfig.json, or web-sdk/tsconfig.json with the DOM lib).
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits or catches: its rejection is unhandled, which ends the process.
      // `void promise` marks a deliberate fire-and-forget.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      // An async function where a void callback is expected (event listeners, timers): its
      // rejection is lost the same way.
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // The server logs through pino; the browser SDK may warn the page's developer.
    files: ['server/**'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['web-sdk/src/**'],
    rules: { 'no-console': ['error', { allow: ['warn', 'error'] }] },
  },
  {
    // CommonJS scripts (a --require hook must be one) load their modules with require().
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Test clients read JSON answers of many shapes; each assertion states the shape it expects.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
