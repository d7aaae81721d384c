import { setTimeout as sleep } from 'node:timers/promises';
import { treeCpuMs } from './process-usage';
import { readReaderQueues, worseQueues, type ReaderQueues } from './reader-queues';
import type { CountingRtmpSink } from './rtmp-sink';
import type { StreamWindow } from './stream-tally';
import { recorderCall, startPush, stopPush, type SystemUnderTest } from './system-under-test';
import type { CountingTsSink } from './ts-udp-sink';
import type { WhepViewers } from './whep-viewers';

/** Bound on one push's first frame at the sink, ms. */
const FIRST_FRAME_TIMEOUT_MS = 20_000;
/** A target keeps up in a window when it received at least this share of the frames the window held. */
export const KEEP_UP_SHARE = 0.95;

/** What one target received during a window: the figures of a StreamWindow the phase reads. */
export type TargetWindow = Pick<StreamWindow, 'videoFrames' | 'audioFrames' | 'lostVideoFrames' | 'lostAudioFrames'>;

/** The outputs of the fan-out, of one kind (pushes of one protocol, recordings, WHEP viewers). */
export interface FanoutTargets {
  /** Starts output number `index` (from 1) of `streamName`: its id at the gateway and the key of its tally. */
  start(system: SystemUnderTest, streamName: string, index: number): Promise<{ id: string; key: string }>;
  stop(system: SystemUnderTest, id: string, key: string): Promise<void>;
  firstVideo(key: string, timeoutMs: number): Promise<unknown>;
  resetWindows(): void | Promise<void>;
  /** The current window of each of `keys` (none where the output cannot be read back). */
  windows(keys: readonly string[]): TargetWindow[] | Promise<TargetWindow[]>;
}

/** Pushes through /rest-api/push/startup to the URL `url(index)` gives, with the tally's key. */
function pushTargets(open: (index: number) => Promise<{ url: string; key: string }>, closed: (key: string) => void): Pick<FanoutTargets, 'start' | 'stop'> {
  return {
    start: async (system, streamName, index) => {
      const { url, key } = await open(index);
      return { id: await startPush(system, streamName, url), key };
    },
    stop: async (system, id, key) => {
      await stopPush(system, id);
      closed(key);
    },
  };
}

/** RTMP targets: one application of the counting RTMP sink each (`fan01`, `fan02`...). */
export function rtmpFanoutTargets(sink: CountingRtmpSink, streamName: string): FanoutTargets {
  return {
    ...pushTargets(async (index) => {
      const app = `fan${String(index).padStart(2, '0')}`;
      return { url: sink.url(app), key: `${app}/${streamName}` };
    }, () => undefined),
    firstVideo: (key, timeoutMs) => sink.firstVideo(key, timeoutMs),
    resetWindows: () => sink.resetWindows(),
    windows: (keys) => {
      const all = sink.windows();
      return keys.flatMap((key) => all.get(key) ?? []);
    },
  };
}

/** MPEG-TS over UDP targets: one receiving socket each. */
export function mpegtsFanoutTargets(sink: CountingTsSink): FanoutTargets {
  return {
    ...pushTargets(async (index) => {
      const key = `ts${String(index).padStart(2, '0')}`;
      return { url: await sink.url(key), key };
    }, (key) => sink.drop(key)),
    firstVideo: (key, timeoutMs) => sink.firstVideo(key, timeoutMs),
    resetWindows: () => sink.resetWindows(),
    windows: (keys) => {
      const all = sink.windows();
      return keys.flatMap((key) => all.get(key) ?? []);
    },
  };
}

/**
 * Recordings of the stream (MP4 files in the gateway's record_dir), started through
 * /rest-api/recorder/startup with ids of their own. Nothing reads them back during the windows:
 * their losses are not counted (the recording tests check every frame).
 */
export function recordingFanoutTargets(system: SystemUnderTest): FanoutTargets {
  return {
    start: async (system, streamName, index) => {
      const id = `rec${String(index).padStart(2, '0')}`;
      await recorderCall(system, 'startup', { streamName, id, config: { fileTemplate: '{mediaSessionId}-{startTime}' } });
      return { id, key: id };
    },
    stop: async (system, id) => {
      await recorderCall(system, 'terminate', { mediaSessionId: id });
    },
    // The file grows once the first fragment (the first GOP) is written.
    firstVideo: async (key, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [found] = (await recorderCall(system, 'find', { mediaSessionId: key })) as Array<{ currentFile: { bytes: number } | null }>;
        if ((found?.currentFile?.bytes ?? 0) > 4096) return;
        if (Date.now() > deadline) throw new Error(`recording ${key} wrote nothing within ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    resetWindows: () => undefined,
    windows: () => [],
  };
}

/**
 * WHEP viewers (werift, in a process of the harness's: whep-viewers.ts), each POSTing its offer to
 * /whep/<streamName> and DELETEing its resource when it stops; each counts the RTP it receives.
 */
export function whepFanoutTargets(viewers: WhepViewers): FanoutTargets {
  return {
    start: async (system, streamName, index) => {
      const key = `whep${String(index).padStart(2, '0')}`;
      return { id: await viewers.play(key, `${system.httpUrl}/whep/${encodeURIComponent(streamName)}`), key };
    },
    stop: (_system, _id, key) => viewers.end(key),
    firstVideo: (key, timeoutMs) => viewers.firstVideo(key, timeoutMs),
    resetWindows: () => viewers.resetWindows(),
    windows: (keys) => viewers.windows(keys),
  };
}

/** What the fan-out phase needs. */
export interface FanoutPhaseOptions {
  /** The fan-out server (see fanout-server.ts): a gateway with `streamName` published in its hub. */
  readonly system: SystemUnderTest;
  readonly streamName: string;
  readonly targets: FanoutTargets;
  /** Target counts to measure at, ascending (e.g. 1, 10, 20). */
  readonly levels: readonly number[];
  /** Pause before each window (after targets were added or removed), s. */
  readonly warmupSeconds: number;
  /** Length of each window, s. */
  readonly seconds: number;
  /** Frame rate of the stream's video, frames/s: what a target must receive to keep up. */
  readonly fps: number;
}

/** The fan-out server with one stream pushed to `targets` targets. */
export interface FanoutLevel {
  readonly targets: number;
  /** The server process, % of one core (mean of the windows at this level). */
  readonly processCpuPercent: number;
  /** The kernel (system time) part of processCpuPercent. */
  readonly processSystemCpuPercent: number;
  /** The server's child processes (its codec workers: e.g. a WHEP stream's AAC→Opus), % of one core, mean of the windows. */
  readonly childrenCpuPercent: number;
  /** Windows measured at this level (on the way up and on the way down). */
  readonly windows: number;
  /** Video frames missing at the sink during those windows, over all targets. */
  readonly lostVideoFrames: number;
  /** Audio frames missing at the sink during those windows, over all targets. */
  readonly lostAudioFrames: number;
  /** Laggards: targets that received fewer than 95 % of the video frames a window held, the most in one window at this level. */
  readonly laggards: number;
  /** The fewest video frames a target received per second of window (NaN where nothing is read back). */
  readonly slowestVideoFps: number;
  /** The pushes' reader queues at the end of those windows, the worst reading of each figure. */
  readonly readerQueues: ReaderQueues;
}

/** What the fan-out phase measured. */
export interface FanoutResult {
  readonly levels: readonly FanoutLevel[];
  /** Least-squares slope of the server process's CPU over the number of targets: each extra target, % of one core. */
  readonly marginalCpuPercentPerTarget: number;
}

interface Sample {
  readonly targets: number;
  readonly process: number;
  readonly processSystem: number;
  readonly children: number;
  readonly lostVideo: number;
  readonly lostAudio: number;
  readonly laggards: number;
  /** Video frames per second of the slowest target (NaN without windows). */
  readonly slowestFps: number;
  readonly queues: ReaderQueues;
}

/**
 * The server's stream pushed through the REST API to more and more targets (one sink application
 * each), then back down: every level is measured on the way up and on the way down, which cancels
 * slow drifts of a shared machine. The cost of an extra target is the slope of the server process's
 * CPU over the number of targets; the source's own cost is the same at every level.
 */
export async function runFanoutPhase(options: FanoutPhaseOptions): Promise<FanoutResult> {
  const { system, targets, streamName } = options;
  const pushes: Array<{ id: string; key: string }> = [];
  const samples: Sample[] = [];
  const sweep = [...options.levels, ...options.levels.slice(0, -1).reverse()];
  for (const level of sweep) {
    while (pushes.length < level) {
      const push = await targets.start(system, streamName, pushes.length + 1);
      pushes.push(push);
      await targets.firstVideo(push.key, FIRST_FRAME_TIMEOUT_MS);
    }
    while (pushes.length > level) {
      const push = pushes.pop()!;
      await targets.stop(system, push.id, push.key);
    }
    samples.push(await measureWindow(options, level, pushes.map((push) => push.key)));
  }
  while (pushes.length > 0) {
    const push = pushes.pop()!;
    await targets.stop(system, push.id, push.key);
  }
  return summarize(options.levels, samples);
}

/** Warms up, then reads the server's CPU across one window; the sink's losses and find_all after it. */
async function measureWindow(options: FanoutPhaseOptions, level: number, keys: readonly string[]): Promise<Sample> {
  const { system, targets } = options;
  await sleep(options.warmupSeconds * 1000);
  const start = await system.server.usage();
  await targets.resetWindows();
  await sleep(options.seconds * 1000);
  const end = await system.server.usage();
  const windows = await targets.windows(keys);
  const queues = await readReaderQueues(system);
  const elapsed = end.atMs - start.atMs;
  const frameRates = windows.map((w) => (w.videoFrames * 1000) / elapsed);
  return {
    targets: level,
    process: ((end.root.cpuMs - start.root.cpuMs) / elapsed) * 100,
    processSystem: ((end.root.systemCpuMs - start.root.systemCpuMs) / elapsed) * 100,
    children: (treeCpuMs(start, end).descendants / elapsed) * 100,
    lostVideo: windows.reduce((sum, w) => sum + w.lostVideoFrames, 0),
    lostAudio: windows.reduce((sum, w) => sum + w.lostAudioFrames, 0),
    laggards: frameRates.filter((fps) => fps < KEEP_UP_SHARE * options.fps).length,
    slowestFps: frameRates.length > 0 ? Math.min(...frameRates) : Number.NaN,
    queues,
  };
}

function summarize(levels: readonly number[], samples: readonly Sample[]): FanoutResult {
  const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
  const mean = (values: readonly number[]): number => sum(values) / values.length;
  const perLevel = levels.map((targets): FanoutLevel => {
    const at = samples.filter((s) => s.targets === targets);
    return {
      targets,
      processCpuPercent: mean(at.map((s) => s.process)),
      processSystemCpuPercent: mean(at.map((s) => s.processSystem)),
      childrenCpuPercent: mean(at.map((s) => s.children)),
      windows: at.length,
      lostVideoFrames: sum(at.map((s) => s.lostVideo)),
      lostAudioFrames: sum(at.map((s) => s.lostAudio)),
      laggards: Math.max(...at.map((s) => s.laggards)),
      slowestVideoFps: Math.min(...at.map((s) => s.slowestFps)),
      readerQueues: at.map((s) => s.queues).reduce(worseQueues),
    };
  });
  const x = mean(samples.map((s) => s.targets));
  const y = mean(samples.map((s) => s.process));
  const spread = samples.reduce((total, s) => total + (s.targets - x) ** 2, 0);
  const slope = spread > 0 ? samples.reduce((total, s) => total + (s.targets - x) * (s.process - y), 0) / spread : Number.NaN;
  return { levels: perLevel, marginalCpuPercentPerTarget: slope };
}
