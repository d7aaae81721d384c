import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG, parseCliArguments } from '../../../server/cli-arguments';
import { VERSION } from '../../../server/version';

describe('the command line', () => {
  test('--config, the default, --help and --version', () => {
    expect(parseCliArguments([])).toEqual({ kind: 'run', configPath: DEFAULT_CONFIG });
    expect(parseCliArguments(['--config', 'my.properties'])).toEqual({ kind: 'run', configPath: 'my.properties' });
    expect(parseCliArguments(['--help'])).toEqual({ kind: 'help' });
    expect(parseCliArguments(['--config', 'x', '-h'])).toEqual({ kind: 'help' });
    expect(parseCliArguments(['--version'])).toEqual({ kind: 'version' });
    expect(parseCliArguments(['-v'])).toEqual({ kind: 'version' });
  });

  test('a missing config path and an unknown argument are errors that say so', () => {
    expect(parseCliArguments(['--config'])).toEqual({ kind: 'error', message: '--config needs a file path' });
    expect(parseCliArguments(['--config', '--help'])).toEqual({ kind: 'error', message: '--config needs a file path' });
    expect(parseCliArguments(['--port', '80'])).toEqual({ kind: 'error', message: 'unknown argument "--port" (see --help)' });
  });

  test('the version is package.json\'s', () => {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
