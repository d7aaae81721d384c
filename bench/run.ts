/**
 * `npm run bench -- [flags]` (node dist/bench/run.js): at each stream count of --streams, loads the
 * gateway, then the usual werift + ffmpeg recipe, with the same synthetic WebRTC publishers;
 * measures a one-stream fan-out in a gateway whose stream is published in-process
 * (fanout-server.ts), ramps RTMP-ingested streams relayed by a gateway until one is lost or late
 * (saturation-phase.ts), then the gateway over a lossy link (link-phase.ts) once per repair window,
 * and prints the main table (first count), the cost table (every count), the saturation table and
 * the lossy-link table (see report.ts). Loopback only; every step is bounded in time, and the run
 * stops by itself. Progress goes to stderr, the report to stdout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBaseline } from './baseline-process';
import { BEAM_HEIGHT, BEAM_WIDTH, runBeamPhase, type BeamFigures } from './beam-phase';
import { BenchUsageError, parseBenchOptions, USAGE, type BenchOptions } from './cli-options';
import { CLIP_FPS, makeClip, removeClip, type ClipFiles } from './clip';
import { costColumn, RECEIVE_ONLY } from './cost-figures';
import type { CostRun } from './cost-report';
import { splitCpuProfile } from './cpu-split';
import { mpegtsFanoutTargets, recordingFanoutTargets, rtmpFanoutTargets, runFanoutPhase, whepFanoutTargets, type FanoutResult } from './fanout-phase';
import { CountingTsSink } from './ts-udp-sink';
import { loadFigures, type SystemFigures } from './figures';
import { freePort } from './free-port';
import { startFanoutGateway, startGateway, startGatewayBehindNat } from './gateway-process';
import type { RelayProfileName } from './impairment-relay';
import { readIngestTotals } from './ingest-quality';
import { profileWindow } from './inspector-profiler';
import { linkFigures, type LinkFigures } from './link-figures';
import { runLinkPhase, startLinkRelay } from './link-phase';
import { runLoadPhase } from './load-phase';
import { describeMachine } from './machine';
import { MeetingPage } from './meeting-page';
import { readReaderQueues } from './reader-queues';
import { formatReport, writeReportJson } from './report';
import { CountingRtmpSink } from './rtmp-sink';
import { runSaturationPhase, type SaturationResult } from './saturation-phase';
import { ServerProcess } from './server-process';
import { FREEZE_THRESHOLD_MS } from './stream-tally';
import type { SystemUnderTest } from './system-under-test';
import { WhepViewers } from './whep-viewers';
import type { RepairWindowSetting } from '../server/media/rtp/repair-window';

/** Grace given to a server under test to stop, ms. */
const STOP_GRACE_MS = 10_000;
/** Name of the fan-out phase's stream. */
const FANOUT_STREAM = 'fanout';
/** Bound on each WHEP request of a viewer, ms. */
const WHEP_REQUEST_TIMEOUT_MS = 10_000;
/** Grace given to the WHEP viewers process to exit, ms. */
const VIEWERS_STOP_GRACE_MS = 5000;

async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof BenchUsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  const deadline = setTimeout(() => abort(`the run exceeded its time budget of ${Math.round(budgetMs(options) / 1000)} s`), budgetMs(options));
  deadline.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort(`stopped by ${signal}`));

  const machine = describeMachine(options.ffmpegPath);
  const work = await mkdtemp(path.join(os.tmpdir(), 'gateway-bench-'));
  progress(`clip: encoding ${options.clipSeconds} s of 720p30 H.264, Opus and AAC`);
  const clip = await makeClip({ seconds: options.clipSeconds, ffmpegPath: options.ffmpegPath });
  const sink = await CountingRtmpSink.start();
  try {
    const runs: Array<{ gateway: SystemFigures; baseline?: SystemFigures; clean: LinkFigures; cost: CostRun }> = [];
    for (const streams of options.streams) {
      const gatewayRun = await measureGateway(options, streams, work, clip, sink);
      const baselineRun = options.baseline ? await measureBaseline(options, streams, work, clip, sink) : undefined;
      runs.push({
        gateway: gatewayRun.figures, clean: gatewayRun.clean, ...(baselineRun ? { baseline: baselineRun.figures } : {}),
        cost: { gateway: gatewayRun.cost, ...(baselineRun ? { baseline: baselineRun.cost } : {}) },
      });
    }
    const { gateway, baseline, clean } = runs[0]!;
    const fanouts = options.fanout.length > 0 ? await measureFanout(options, work, clip, sink) : undefined;
    const beam = options.beamSeconds > 0 ? await measureBeam(options, work, sink) : undefined;
    const saturation = options.saturation.length > 0 ? await measureSaturation(options, work, clip, sink) : undefined;
    const lossy = options.link ? await measureLinks(options, work, clip, sink, options.link) : [];
    const result = {
      startedAt: new Date().toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine,
      options,
      gateway,
      ...(baseline ? { baseline } : {}),
      costs: runs.map((run) => run.cost),
      ...(fanouts ? { fanout: fanouts.rtmp, fanoutMpegts: fanouts.mpegts, fanoutRecording: fanouts.recording, fanoutWhep: fanouts.whep } : {}),
      ...(beam ? { beam } : {}),
      ...(saturation ? { saturation } : {}),
      ...(options.link ? { link: { profile: options.link, freezeThresholdMs: FREEZE_THRESHOLD_MS, columns: [clean, ...lossy] } } : {}),
    };
    process.stdout.write(`${formatReport(result)}\n`);
    if (options.json) await writeReportJson(result, options.json);
    // The run fails when the gateway missed a stream; the recipe missing some (its ffmpeg per push is
    // slow to start on a loaded box) is one of its figures, printed in its column, not a bench failure.
    const baselineMissed = options.streams.filter((n, i) => options.baseline && runs[i]!.baseline?.streams !== n);
    if (baselineMissed.length > 0) progress(`baseline: not every stream started at ${baselineMissed.join(', ')} streams (see its column)`);
    const allUp = options.streams.every((n, i) => runs[i]!.gateway.streams === n) && lossy.every((c) => c.streams === options.linkStreams);
    return allUp ? 0 : 1;
  } finally {
    await sink.close();
    await removeClip(clip);
    if (options.cpuProfile) progress(`gateway CPU profile and logs kept in ${work}`);
    else await rm(work, { recursive: true, force: true });
    clearTimeout(deadline);
  }
}

/**
 * The gateway's load phase at `streams`: the main table's figures (at the first count), the cost
 * table's column, and the same run as the lossy-link table's clean column. With a split window,
 * the gateway runs with its inspector on a loopback port, idle until that window profiles it.
 */
async function measureGateway(options: BenchOptions, streams: number, work: string, clip: ClipFiles, sink: CountingRtmpSink) {
  progress(`gateway: ${streams} streams`);
  const inspectPort = options.splitSeconds > 0 ? await freePort() : undefined;
  const nodeFlags = [...profiling(options, work), ...(inspectPort === undefined ? [] : [`--inspect=127.0.0.1:${inspectPort}`])];
  const system = await startGateway({ workDir: work, mediaPorts: options.mediaPorts, label: `gateway-${streams}`, nodeFlags });
  return withSystem(system, async () => {
    const phase = await runLoadPhase({
      system, sink, clip, streams, app: `gateway${streams}`, warmupSeconds: options.warmupSeconds, seconds: options.seconds,
      connectConcurrency: options.connectConcurrency, probe: async () => ({ metrics: await metrics(system), ingest: await readIngestTotals(system) }),
      readerQueues: () => readReaderQueues(system),
      ...(inspectPort === undefined ? {} : { cpuShares: async () => splitCpuProfile(await profileWindow(inspectPort, options.splitSeconds)) }),
    });
    return { figures: loadFigures('gateway', phase), clean: linkFigures('clean', phase), cost: costColumn('gateway', phase) };
  });
}

async function measureBaseline(options: BenchOptions, streams: number, work: string, clip: ClipFiles, sink: CountingRtmpSink) {
  progress(`baseline (werift + one ffmpeg per push): ${streams} streams`);
  const system = await startBaseline({ workDir: work, rtpBasePort: options.rtpBasePort, ffmpegPath: options.ffmpegPath, label: `baseline-${streams}` });
  return withSystem(system, async () => {
    const phase = await runLoadPhase<never>({
      system, sink, clip, streams, app: `baseline${streams}`, warmupSeconds: options.warmupSeconds, seconds: options.seconds,
      connectConcurrency: options.connectConcurrency,
    });
    return { figures: loadFigures('baseline', phase), cost: costColumn('baseline', phase, RECEIVE_ONLY) };
  });
}

/** The fan-out to RTMP targets, then to MPEG-TS over UDP targets, then to recordings, then to WHEP viewers, from the same server. */
async function measureFanout(options: BenchOptions, work: string, clip: ClipFiles, sink: CountingRtmpSink): Promise<{ rtmp: FanoutResult; mpegts: FanoutResult; recording: FanoutResult; whep: FanoutResult }> {
  progress(`fan-out: one stream published in-process, pushed to ${options.fanout.join(', ')} RTMP targets, then as many MPEG-TS over UDP targets, then recorded as many times, then played by as many WHEP viewers`);
  const system = await startFanoutGateway({ workDir: work, mediaPorts: options.mediaPorts, clip, streamName: FANOUT_STREAM, nodeFlags: profiling(options, work) });
  const tsSink = new CountingTsSink();
  const viewers = WhepViewers.spawn({ fps: CLIP_FPS, requestTimeoutMs: WHEP_REQUEST_TIMEOUT_MS });
  try {
    return await withSystem(system, async () => {
      const phase = { system, streamName: FANOUT_STREAM, levels: options.fanout, warmupSeconds: options.warmupSeconds, seconds: options.fanoutSeconds, fps: CLIP_FPS };
      const rtmp = await runFanoutPhase({ ...phase, targets: rtmpFanoutTargets(sink, FANOUT_STREAM) });
      const mpegts = await runFanoutPhase({ ...phase, targets: mpegtsFanoutTargets(tsSink) });
      const recording = await runFanoutPhase({ ...phase, targets: recordingFanoutTargets(system) });
      const whep = await runFanoutPhase({ ...phase, targets: whepFanoutTargets(viewers) });
      return { rtmp, mpegts, recording, whep };
    });
  } finally {
    tsSink.close();
    await viewers.stop(VIEWERS_STOP_GRACE_MS);
  }
}

/** One page captured at 1280×720 (a beam) on a gateway of its own, pushed to the sink. */
async function measureBeam(options: BenchOptions, work: string, sink: CountingRtmpSink): Promise<BeamFigures> {
  progress(`beam: a page captured at ${BEAM_WIDTH}x${BEAM_HEIGHT} by the gateway's Chromium, pushed to the sink`);
  const meeting = await MeetingPage.start();
  try {
    const system = await startGateway({ workDir: work, mediaPorts: options.mediaPorts, label: 'gateway-beam' });
    return await withSystem(system, () => runBeamPhase({ system, sink, meeting, warmupSeconds: options.warmupSeconds, seconds: options.beamSeconds }));
  } finally {
    await meeting.close();
  }
}

/**
 * The saturation ramp on a gateway of its own, with the bench's settings, REST calls and RTMP
 * ingest clients unbounded for the ramp's sake, then --saturation-settings (e.g. a number of media
 * workers) on top.
 */
async function measureSaturation(options: BenchOptions, work: string, clip: ClipFiles, sink: CountingRtmpSink): Promise<SaturationResult> {
  progress(`saturation: RTMP-ingested streams relayed to the sink, ${options.saturation.join(', ')}, until one is lost or late`);
  const settings = ['rest_rate_limit=0', 'max_pushes=100000', 'rtmp_max_connections_per_ip=1000', ...options.saturationSettings];
  const system = await startGateway({ workDir: work, mediaPorts: options.mediaPorts, label: 'gateway-saturation', settings, nodeFlags: profiling(options, work) });
  return withSystem(system, () => runSaturationPhase({ system, sink, clip, levels: options.saturation, warmupSeconds: options.warmupSeconds, seconds: options.saturationSeconds }));
}

/** For each repair window, a gateway with it behind an impairment relay with `profile`: the lossy-link table's columns. */
async function measureLinks(options: BenchOptions, work: string, clip: ClipFiles, sink: CountingRtmpSink, profile: RelayProfileName): Promise<LinkFigures[]> {
  const columns: LinkFigures[] = [];
  for (const repairWindow of options.repairWindows) columns.push(await measureLink(options, work, clip, sink, profile, repairWindow));
  return columns;
}

async function measureLink(options: BenchOptions, work: string, clip: ClipFiles, sink: CountingRtmpSink, profile: RelayProfileName, repairWindow: RepairWindowSetting): Promise<LinkFigures> {
  progress(`lossy link ${profile}, repair window ${repairWindow}: ${options.linkStreams} streams through the impairment relay`);
  const { relay, gateway } = await startLinkRelay(profile, repairWindow);
  try {
    const system = await startGatewayBehindNat({ workDir: work, mediaPorts: options.mediaPorts, nat: gateway });
    return await withSystem(system, () => runLinkPhase({
      system, relay, label: `${profile} ${repairWindow}`, sink, clip, streams: options.linkStreams, app: `link${repairWindow}`,
      warmupSeconds: options.warmupSeconds, seconds: options.linkSeconds, connectConcurrency: options.connectConcurrency,
    }));
  } finally {
    await relay.close();
  }
}

/** With --cpu-prof, node flags that write the server's CPU profile into the work dir. */
function profiling(options: BenchOptions, work: string): readonly string[] {
  return options.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${work}`] : [];
}

/** Runs `measure`, then stops the system whatever happened. */
async function withSystem<T>(system: SystemUnderTest, measure: () => Promise<T>): Promise<T> {
  try {
    return await measure();
  } catch (err) {
    progress(`${system.server.label} log tail:\n${system.server.logTail()}`);
    throw err;
  } finally {
    await system.server.stop(STOP_GRACE_MS);
  }
}

async function metrics(system: SystemUnderTest): Promise<string> {
  const response = await fetch(`${system.httpUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  return response.text();
}

/** Generous bound on the whole run, ms: start-ups, every window and warm-up, shutdowns. */
function budgetMs(options: BenchOptions): number {
  const systems = 1 + (options.baseline ? 1 : 0);
  const loads = options.streams.reduce((total, streams) => total + systems * (60 + streams * 3 + options.warmupSeconds + options.seconds) + options.splitSeconds + 20, 0);
  // Four sweeps: RTMP targets, MPEG-TS targets, recordings, WHEP viewers.
  const fanout = 4 * ((2 * options.fanout.length - 1) * (options.warmupSeconds + options.fanoutSeconds + 10) + (options.fanout.at(-1) ?? 0) * 4 + 60);
  const saturation = options.saturation.reduce((total, streams) => total + 20 + streams + options.warmupSeconds + options.saturationSeconds, 0);
  const links = options.link ? options.repairWindows.length * (60 + options.linkStreams * 3 + options.warmupSeconds + options.linkSeconds) : 0;
  const beam = options.beamSeconds > 0 ? 90 + options.warmupSeconds + options.beamSeconds : 0;
  return (120 + loads + (options.fanout.length > 0 ? fanout : 0) + beam + saturation + links) * 1000;
}

function abort(reason: string): void {
  process.stderr.write(`bench: ${reason}; killing what it started\n`);
  ServerProcess.killAll();
  process.exit(1);
}

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    ServerProcess.killAll();
    process.exit(1);
  },
);
