import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errorOf } from '../../../server/codec/codec-check';
import { ConfigError } from '../../../server/config/errors';
import { parseSettings, type Settings } from '../../../server/config/settings';
import { runStartupChecks } from '../../../server/config/startup-checks';

/** The settings of a file that sets `lines`, relative paths under `dir`. */
function settingsOf(dir: string, lines: Record<string, string> = {}): Settings {
  const base = { rtmp_servers_db: path.join(dir, 'db', 'gateway.sqlite'), media_dir: dir, ...lines };
  return parseSettings(Object.entries(base).map(([key, value]) => `${key}=${value}`).join('\n'), 'gw.properties').settings;
}

async function checkError(settings: Settings): Promise<ConfigError> {
  const error = await runStartupChecks(settings).then(() => undefined, (err: unknown) => err);
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

/** Runs `action` with `name` set in the environment as this test file's modules see it (jest gives each file its own copy). */
async function withEnv<T>(name: string, value: string, action: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  process.env[name] = value;
  try {
    return await action();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

describe('start-up checks', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'startup-checks-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a usable machine: the codec worker loads node-av and opens Opus to AAC; no warning', async () => {
    const report = await runStartupChecks(settingsOf(dir));
    expect(report.ffmpegVersion).toMatch(/^\S+/);
    expect(report.warnings).toEqual([]);
  });

  test('a users file that cannot be read names rest_auth_users_file', async () => {
    const missing = path.join(dir, 'no-users');
    const error = await checkError(settingsOf(dir, { rest_auth_users_file: missing }));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID_VALUE', setting: 'rest_auth_users_file' });
    expect(error.message).toMatch(new RegExp(`^rest_auth_users_file: cannot read the users file ${missing}: ENOENT`));
  });

  test('a database whose directory cannot be made names rtmp_servers_db', async () => {
    const file = path.join(dir, 'plain-file');
    await writeFile(file, '');
    const error = await checkError(settingsOf(dir, { rtmp_servers_db: path.join(file, 'gateway.sqlite') }));
    expect(error).toMatchObject({ setting: 'rtmp_servers_db', message: `rtmp_servers_db: the directory ${file} cannot be created or written to (EEXIST)` });
  });

  test('missing programs of optional features and a missing media_dir are warnings', async () => {
    const empty = await mkdtemp(path.join(dir, 'empty-path-'));
    const report = await withEnv('PATH', empty, () => runStartupChecks(settingsOf(dir, { media_dir: path.join(dir, 'no-media') })));
    expect(report.warnings).toEqual([
      'SRT pushes need srt-live-transmit (Debian package srt-tools): srt:// pushes will fail',
      'page capture (/api/v2/beam) needs Xvfb: beams will fail to start',
      'page capture (/api/v2/beam) needs pulseaudio: beams will fail to start',
      'page capture (/api/v2/beam) needs xdotool: beams will fail to start',
      'page capture (/api/v2/beam) needs setpriv: beams will fail to start',
      `media_dir: ${path.join(dir, 'no-media')} does not exist: sound_on (sound files over a push) will answer that the file is missing`,
    ]);
  });
});

describe('codec check', () => {
  test('a worker that dies is reported with the error it died of, in one line without the stack', async () => {
    const stderr = [
      'codec worker exited with code 1: file:///x/node_modules/node-av/dist/lib/binding.js:83',
      '    throw new Error(`Could not load the node-av native binding for ${platformArch}.\\n` +',
      '          ^',
      '',
      'Error: Could not load the node-av native binding for linux-x64.',
      'Errors:',
      "  Platform package not found or loading failed: Error: Cannot find module '@seydx/node-av-linux-x64/node-av.node'",
      '',
      '    at loadBinding (file:///x/node_modules/node-av/dist/lib/binding.js:83:11)',
    ].join('\n');
    expect(errorOf(stderr)).toBe("Could not load the node-av native binding for linux-x64. Platform package not found or loading failed: Error: Cannot find module '@seydx/node-av-linux-x64/node-av.node'");
    expect(errorOf('codec worker killed by SIGSEGV')).toBe('codec worker killed by SIGSEGV');
  });
});
