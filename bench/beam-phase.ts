import { setTimeout as sleep } from 'node:timers/promises';
import type { MeetingPage } from './meeting-page';
import { treeCpuMs, type TreeUsage } from './process-usage';
import type { CountingRtmpSink } from './rtmp-sink';
import type { SystemUnderTest } from './system-under-test';

/** The capture size measured (100ms's default). */
export const BEAM_WIDTH = 1280;
export const BEAM_HEIGHT = 720;
/** Bound on the beam's first frame at the sink, ms. */
const FIRST_FRAME_TIMEOUT_MS = 60_000;

/** What the beam phase needs. */
export interface BeamPhaseOptions {
  /** A gateway of its own. */
  readonly system: SystemUnderTest;
  readonly sink: CountingRtmpSink;
  readonly meeting: MeetingPage;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

/** One page captured and pushed, measured over a window. */
export interface BeamFigures {
  readonly width: number;
  readonly height: number;
  readonly windowSeconds: number;
  /** The gateway's node process, % of one core. */
  readonly gatewayCpuPercent: number;
  /** Its child processes (Chromium, Xvfb, PulseAudio, the codec workers), % of one core. */
  readonly childrenCpuPercent: number;
  /** RSS and PSS at the end of the window minus before the beam, every process of the tree, MB. */
  readonly rssMb: number;
  readonly pssMb: number;
  /** Video frames per second at the sink over the window. */
  readonly fps: number;
}

/**
 * One beam of the meeting page at 1280×720 pushed to the counting sink, through 100ms's API on a
 * gateway of its own: what a beam costs, everything the gateway runs for it counted (Chromium,
 * Xvfb and PulseAudio are its children, as are its codec workers).
 */
export async function runBeamPhase(options: BeamPhaseOptions): Promise<BeamFigures> {
  const { system, sink } = options;
  const before = await system.server.usage();
  const answer = await fetch(`${system.httpUrl}/api/v2/beam`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'start', room_id: 'bench', meeting_url: options.meeting.url, rtmp_urls: [`${sink.url('beam')}/bench`], resolution: { width: BEAM_WIDTH, height: BEAM_HEIGHT } }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!answer.ok) throw new Error(`beam start → ${answer.status} ${await answer.text()}`);
  try {
    await sink.firstVideo('beam/bench', FIRST_FRAME_TIMEOUT_MS);
    await sleep(options.warmupSeconds * 1000);
    const start = await system.server.usage();
    sink.resetWindows();
    await sleep(options.seconds * 1000);
    const end = await system.server.usage();
    const window = sink.windows().get('beam/bench');
    const elapsed = end.atMs - start.atMs;
    const cpu = treeCpuMs(start, end);
    return {
      width: BEAM_WIDTH,
      height: BEAM_HEIGHT,
      windowSeconds: elapsed / 1000,
      gatewayCpuPercent: (cpu.root / elapsed) * 100,
      childrenCpuPercent: (cpu.descendants / elapsed) * 100,
      rssMb: (treeBytes(end, 'rssBytes') - treeBytes(before, 'rssBytes')) / 1e6,
      pssMb: (treeBytes(end, 'pssBytes') - treeBytes(before, 'pssBytes')) / 1e6,
      fps: ((window?.videoFrames ?? 0) * 1000) / elapsed,
    };
  } finally {
    await fetch(`${system.httpUrl}/api/v2/beam`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'stop', room_id: 'bench' }),
      signal: AbortSignal.timeout(30_000),
    });
  }
}

function treeBytes(usage: TreeUsage, field: 'rssBytes' | 'pssBytes'): number {
  return usage.root[field] + usage.descendants.reduce((sum, u) => sum + u[field], 0);
}
