import { constants, accessSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PasswordFile } from '../access/password-file';
import { chromiumCommand, pointerNudgeCommand, pulseaudioCommand, withParentDeathSignal, xvfbCommand } from '../beam/capture-commands';
import { checkCodecWorkers } from '../codec/codec-check';
import { findExecutable, SRT_TOOL, SRT_TOOL_MISSING } from '../sinks/mpegts/srt-child';
import type { Settings } from './definitions';
import { ConfigError } from './errors';

/** What the start-up checks found that does not stop the start: one sentence each. */
export interface StartupCheckReport {
  readonly warnings: readonly string[];
  /** FFmpeg's version in node-av, as the codec check's worker reported it. */
  readonly ffmpegVersion: string;
}

/**
 * Checks, before anything starts, every part outside the settings file that the gateway needs:
 * the codec workers (node-av, in a child process), the users file, the database's directory. Throws
 * ConfigError naming the setting (so the start-up line can say where it is set) or the part.
 * Programs only some features use (SRT pushes, page capture) and the sound files' directory are
 * warned about when missing: the rest of the gateway works without them.
 */
export async function runStartupChecks(settings: Settings): Promise<StartupCheckReport> {
  checkUsersFile(settings.restAuthUsersFile);
  checkWritableDirectory('rtmp_servers_db', path.dirname(path.resolve(settings.rtmpServersDbFile)));
  const codecs = await checkCodecWorkers();
  if (!codecs.ok) {
    throw new ConfigError(
      'CONFIG_MISSING_PART',
      `codec workers: ${codecs.problem}: run npm ci (or npm rebuild node-av) in ${installDir()}; the codec workers make the AAC of every WebRTC publisher's push`,
    );
  }
  const warnings = [...(await missingPrograms()), ...missingMediaDir(settings.mediaDir)];
  return { warnings, ffmpegVersion: codecs.ffmpegVersion };
}

function checkUsersFile(file: string | undefined): void {
  if (!file) return;
  try {
    PasswordFile.load(file);
  } catch (err) {
    throw new ConfigError('CONFIG_INVALID_VALUE', `rest_auth_users_file: ${(err as Error).message}`, { cause: err, setting: 'rest_auth_users_file' });
  }
}

/** The directory (created if missing, as the database will) must take new files. */
function checkWritableDirectory(setting: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError('CONFIG_INVALID_VALUE', `${setting}: the directory ${dir} cannot be created or written to (${code})`, { cause: err, setting });
  }
}

/** The programs of the optional features, by feature, from the very commands those features run. */
function optionalPrograms(): ReadonlyArray<{ readonly program: string; readonly missing: string }> {
  const size = { width: 2, height: 2 };
  const beam = [
    xvfbCommand(size),
    pulseaudioCommand({ runtimeDir: '/' }),
    chromiumCommand({ ...size, url: '', runtimeDir: '/', display: 0 }),
    pointerNudgeCommand({ ...size, display: 0 }),
    withParentDeathSignal(xvfbCommand(size)),
  ].map((command) => ({ program: command.command, missing: `page capture (/api/v2/beam) needs ${command.command}: beams will fail to start` }));
  return [{ program: SRT_TOOL, missing: `${SRT_TOOL_MISSING}: srt:// pushes will fail` }, ...beam];
}

async function missingPrograms(): Promise<string[]> {
  const found = await Promise.all(optionalPrograms().map(async (entry) => ({ ...entry, path: await findExecutable(entry.program) })));
  return found.filter((entry) => entry.path === undefined).map((entry) => entry.missing);
}

function missingMediaDir(dir: string): string[] {
  return existsSync(dir) ? [] : [`media_dir: ${path.resolve(dir)} does not exist: sound_on (sound files over a push) will answer that the file is missing`];
}

/** The checkout or installation the gateway runs from (where package.json and node_modules are). */
function installDir(): string {
  return path.resolve(__dirname, '..', '..', ...(path.extname(__filename) === '.ts' ? [] : ['..']));
}
