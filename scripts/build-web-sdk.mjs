// Builds the browser SDK: type-checks web-sdk/ with its own tsconfig (DOM lib), bundles it into
// dist/web-sdk/gateway-sdk.js (one minified IIFE defining the global `Flashphoner`, plus a source
// map) and copies the demo page to dist/web-sdk/demo/. Run by `npm run build` after tsc; exits
// non-zero on a type error or a bundling error.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sdkDir = join(root, 'web-sdk');
const outDir = join(root, 'dist', 'web-sdk');

typeCheck();
await bundle();
copyDemo();
console.log(`web-sdk: built ${join('dist', 'web-sdk', 'gateway-sdk.js')} and ${join('dist', 'web-sdk', 'demo')}`);

function typeCheck() {
  // The typescript package exports only its API, so find its tsc through package.json's "bin".
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('typescript/package.json');
  const tsc = join(dirname(packageJsonPath), JSON.parse(readFileSync(packageJsonPath, 'utf8')).bin.tsc);
  const result = spawnSync(process.execPath, [tsc, '-p', join(sdkDir, 'tsconfig.json')], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('web-sdk: type check failed');
    process.exit(result.status ?? 1);
  }
}

async function bundle() {
  await build({
    entryPoints: [join(sdkDir, 'src', 'index.ts')],
    tsconfig: join(sdkDir, 'tsconfig.json'),
    outfile: join(outDir, 'gateway-sdk.js'),
    bundle: true,
    format: 'iife',
    globalName: 'Flashphoner',
    platform: 'browser',
    // ES2020 lowers class fields, so Safari 14-era browsers still parse the bundle.
    target: ['es2020'],
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

function copyDemo() {
  const demoOut = join(outDir, 'demo');
  rmSync(demoOut, { recursive: true, force: true });
  mkdirSync(demoOut, { recursive: true });
  cpSync(join(sdkDir, 'demo'), demoOut, { recursive: true });
}
