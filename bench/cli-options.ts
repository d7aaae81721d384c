import type { RepairWindowSetting } from '../server/media/rtp/repair-window';
import { RELAY_PROFILES, type RelayProfileName } from './impairment-relay';

/** What `npm run bench -- <flags>` asked for. */
export interface BenchOptions {
  /**
   * Stream counts of the load phases, ascending (default 8, 32): the gateway and the recipe are
   * loaded at each, the main table shows the first, the cost table all of them.
   */
  readonly streams: readonly number[];
  /** Measurement window of each load phase, s (default 30). */
  readonly seconds: number;
  /** Pause between the last first frame and the window, s (default 5). */
  readonly warmupSeconds: number;
  /** Profiled window after each gateway window that splits the process's CPU between receive path, codecs and sinks, s; 0 skips it (default 5). */
  readonly splitSeconds: number;
  /** Stream counts the saturation phase ramps through, ascending, up to the first that fails; empty skips it (default 100, 200 … 800). */
  readonly saturation: readonly number[];
  /** Window of each saturation level, s (default 8). */
  readonly saturationSeconds: number;
  /** Gateway settings (`key=value`) of the saturation phase, on top of the bench's own (default none). */
  readonly saturationSettings: readonly string[];
  /** Target counts of the fan-out phase, ascending; empty skips it (default 1,10,20). */
  readonly fanout: readonly number[];
  /** Window of each fan-out measurement, s (default 20; every level but the top is measured twice). */
  readonly fanoutSeconds: number;
  /** Impairment profile of the lossy-link phases; undefined skips them (default rtt100Jitter20Loss2). */
  readonly link: RelayProfileName | undefined;
  /** webrtc_repair_window of each lossy-link phase, one phase each (default auto, 50). */
  readonly repairWindows: readonly RepairWindowSetting[];
  /** Streams of each lossy-link phase (default 4). */
  readonly linkStreams: number;
  /** Window of each lossy-link phase, s (default 25). */
  readonly linkSeconds: number;
  /** Window of the beam phase (one page captured at 1280×720), s; 0 skips it (default 20). */
  readonly beamSeconds: number;
  /** Measure the usual recipe too (default true). */
  readonly baseline: boolean;
  /** Where to write the results as JSON, if anywhere. */
  readonly json: string | undefined;
  /** Length of the clip the publishers loop, s (default 10). */
  readonly clipSeconds: number;
  /** Publishes negotiated at once (default 4). */
  readonly connectConcurrency: number;
  /** UDP range of the gateway's ICE ports (default 45001-46000). */
  readonly mediaPorts: readonly [number, number];
  /** First UDP port of the baseline's ffmpegs (default 47000; four per stream). */
  readonly rtpBasePort: number;
  /** Run the gateway under `node --cpu-prof` in the load and fan-out phases and keep the profiles (default false). */
  readonly cpuProfile: boolean;
  readonly ffmpegPath: string;
}

/** Thrown for a flag that is unknown or has a bad value. */
export class BenchUsageError extends Error {
  readonly code = 'BENCH_USAGE';
}

/** One line per flag, printed with usage errors. */
export const USAGE = `usage: npm run bench -- [flags]
  --streams 8,32         stream counts of the load phases, ascending (default 8,32)
  --split-seconds S      profiled window after each gateway window for the CPU split, s; 0 skips it (default 5)
  --saturation LIST|off  stream counts of the saturation phase's ramp (default 100,200,...,800)
  --saturation-seconds S window per saturation level, s (default 8)
  --saturation-settings K=V,...  gateway settings of the saturation phase (default none)
  --seconds S            measurement window, s (default 30)
  --warmup S             pause before each window, s (default 5)
  --fanout 1,10,20|off   target counts of the fan-out phase (default 1,10,20)
  --fanout-seconds S     window per fan-out measurement, s (default 20)
  --link PROFILE|off     impairment of the lossy-link phases: ${Object.keys(RELAY_PROFILES).join(', ')} (default rtt100Jitter20Loss2)
  --repair-windows LIST  webrtc_repair_window of each lossy-link phase, auto or ms (default auto,50)
  --link-streams N       streams per lossy-link phase (default 4)
  --link-seconds S       window per lossy-link phase, s (default 25)
  --beam-seconds S       window of the beam phase (a page captured at 1280x720), s; 0 skips it (default 20)
  --baseline on|off      measure the usual werift + ffmpeg recipe too (default on)
  --json FILE            also write the results as JSON
  --clip-seconds S       length of the looped clip, s (default 10)
  --connect-concurrency N  publishes negotiated at once (default 4)
  --media-ports A-B      gateway ICE UDP range (default 45001-46000)
  --rtp-base-port P      first UDP port of the baseline's ffmpegs (default 47000)
  --cpu-prof             profile the gateway (node --cpu-prof) in the load and fan-out phases
  --ffmpeg PATH          ffmpeg binary (default ffmpeg)
  --help                 this text`;

/** Parses the command line (without node and the script). */
export function parseBenchOptions(args: readonly string[]): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (!flag.startsWith('--')) throw new BenchUsageError(`unexpected argument '${flag}'`);
    if (flag === '--cpu-prof') {
      flags.set(flag, 'on');
      continue;
    }
    const value = args[++i];
    if (value === undefined) throw new BenchUsageError(`${flag} needs a value`);
    flags.set(flag, value);
  }
  const known = new Set(['--streams', '--split-seconds', '--saturation', '--saturation-seconds', '--saturation-settings', '--seconds', '--warmup', '--fanout', '--fanout-seconds', '--link', '--repair-windows', '--link-streams', '--link-seconds', '--beam-seconds', '--baseline', '--json', '--clip-seconds', '--connect-concurrency', '--media-ports', '--rtp-base-port', '--cpu-prof', '--ffmpeg']);
  for (const flag of flags.keys()) if (!known.has(flag)) throw new BenchUsageError(`unknown flag ${flag}`);

  const seconds = number(flags, '--seconds', 30, 1, 3600);
  const fanout = counts(flags, '--fanout', '1,10,20', 100);
  const streams = counts(flags, '--streams', '8,32', 1000);
  if (streams.length === 0) throw new BenchUsageError('--streams needs at least one count');
  const saturationSettings = (flags.get('--saturation-settings') ?? '').split(',').filter((setting) => setting !== '');
  const badSetting = saturationSettings.find((setting) => !/^[a-z][\w.]*=[^=]*$/.test(setting));
  if (badSetting !== undefined) throw new BenchUsageError(`--saturation-settings takes key=value,..., got '${badSetting}'`);
  const linkText = flags.get('--link') ?? 'rtt100Jitter20Loss2';
  if (linkText !== 'off' && !Object.hasOwn(RELAY_PROFILES, linkText)) throw new BenchUsageError(`--link must be off or one of ${Object.keys(RELAY_PROFILES).join(', ')}, got '${linkText}'`);
  const repairWindows = (flags.get('--repair-windows') ?? 'auto,50').split(',').map(repairWindow);
  if (new Set(repairWindows).size !== repairWindows.length) throw new BenchUsageError('--repair-windows must not repeat a window');
  const ports = (flags.get('--media-ports') ?? '45001-46000').split('-').map((v) => integerValue('--media-ports', v, 1024, 65535));
  if (ports.length !== 2 || ports[0]! >= ports[1]!) throw new BenchUsageError('--media-ports must be FROM-TO');
  return {
    streams,
    splitSeconds: number(flags, '--split-seconds', 5, 0, 600),
    saturation: counts(flags, '--saturation', '100,200,300,400,500,600,700,800', 5000),
    saturationSeconds: number(flags, '--saturation-seconds', 8, 1, 3600),
    saturationSettings,
    seconds,
    warmupSeconds: number(flags, '--warmup', 5, 0, 600),
    fanout,
    fanoutSeconds: number(flags, '--fanout-seconds', 20, 1, 3600),
    link: linkText === 'off' ? undefined : (linkText as RelayProfileName),
    repairWindows,
    linkStreams: integer(flags, '--link-streams', 4, 1, 32),
    linkSeconds: number(flags, '--link-seconds', 25, 1, 3600),
    beamSeconds: number(flags, '--beam-seconds', 20, 0, 3600),
    baseline: onOff(flags, '--baseline', true),
    json: flags.get('--json'),
    clipSeconds: integer(flags, '--clip-seconds', 10, 2, 600),
    connectConcurrency: integer(flags, '--connect-concurrency', 4, 1, 64),
    mediaPorts: [ports[0]!, ports[1]!],
    rtpBasePort: integer(flags, '--rtp-base-port', 47000, 1024, 65000),
    cpuProfile: flags.has('--cpu-prof'),
    ffmpegPath: flags.get('--ffmpeg') ?? 'ffmpeg',
  };
}

/** Ascending positive integers, comma-separated; `off` is none. */
function counts(flags: Map<string, string>, flag: string, fallback: string, max: number): number[] {
  const text = flags.get(flag) ?? fallback;
  const values = text === 'off' ? [] : text.split(',').map((v) => integerValue(flag, v, 1, max));
  if (values.some((v, i) => i > 0 && v <= values[i - 1]!)) throw new BenchUsageError(`${flag} counts must be ascending`);
  return values;
}

function number(flags: Map<string, string>, flag: string, fallback: number, min: number, max: number): number {
  const text = flags.get(flag);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) throw new BenchUsageError(`${flag} must be a number from ${min} to ${max}, got '${text}'`);
  return value;
}

function integer(flags: Map<string, string>, flag: string, fallback: number, min: number, max: number): number {
  const text = flags.get(flag);
  return text === undefined ? fallback : integerValue(flag, text, min, max);
}

function integerValue(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new BenchUsageError(`${flag} must be an integer from ${min} to ${max}, got '${text}'`);
  return value;
}

/** One webrtc_repair_window: auto, or ms within the gateway's own bounds. */
function repairWindow(text: string): RepairWindowSetting {
  if (text === 'auto') return 'auto';
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 5000) throw new BenchUsageError(`--repair-windows takes auto or whole ms from 0 to 5000, got '${text}'`);
  return value;
}

function onOff(flags: Map<string, string>, flag: string, fallback: boolean): boolean {
  const text = flags.get(flag);
  if (text === undefined) return fallback;
  if (text !== 'on' && text !== 'off') throw new BenchUsageError(`${flag} must be on or off, got '${text}'`);
  return text === 'on';
}
