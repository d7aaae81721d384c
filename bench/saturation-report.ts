import { GENERATOR_LAG_LIMIT_MS, LAG_LIMIT_MS, LOOP_RESOLUTION_MS, type SaturationResult } from './saturation-phase';
import { fixed, table } from './text-table';

/** What the saturation table says about its run. */
export interface SaturationContext {
  /** Gateway settings the phase added to the bench's own. */
  readonly settings: readonly string[];
  readonly cores: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
}

/** The saturation table: one row per level of the ramp, the verdict, and its footnote. */
export function formatSaturation(result: SaturationResult, context: SaturationContext): string {
  const header = ['streams', 'delivering, fps', 'lost video / audio', 'dropped', 'video p50 / p99, ms', 'gateway, % of one core', `box busy, % of ${context.cores} cores`, 'sources, % / lag ms', 'sink loop p99, ms', 'verdict'];
  const rows = result.levels.map((l) => [
    String(l.streams), `${l.delivering}, ${fixed(l.videoFps, 1)}`, `${l.lostVideoFrames} / ${l.lostAudioFrames}`, String(l.droppedFrames),
    `${fixed(l.videoLatencyMs.p50, 1)} / ${fixed(l.videoLatencyMs.p99, 1)}`, fixed(l.gatewayCpuPercent, 1), fixed(l.boxBusyPercent, 0),
    `${fixed(l.sourcesCpuPercent, 1)} / ${l.sourcesLagMs}`, fixed(l.sinkLoopDelayP99Ms, 1), l.problems.length === 0 ? 'ok' : l.problems.join('; '),
  ]);
  const failed = result.levels.find((l) => l.problems.length > 0);
  const verdict = failed
    ? `carried ${result.maxStreams} streams before any frame was lost or late; at ${failed.streams}: ${failed.problems.join('; ')}${result.loadGeneratorLimited ? ' (the sources or the sink were late too: the box ran out, not the gateway alone)' : ''}`
    : `carried every level, ${result.maxStreams} streams, without a loss or a lag: the ramp did not reach the limit`;
  const settings = context.settings.length > 0 ? context.settings.join(', ') : 'the bench\'s defaults';
  return [
    `saturation ²²: RTMP-ingested sources relayed to the sink, gateway settings: ${settings}`,
    '',
    table([header, ...rows]),
    '',
    verdict,
    '',
    `²² one gateway; an RTMP server created on it through /api/rtmp-servers; one process of cheap sources (bench/rtmp-sources.ts: our RTMP client writing the pre-encoded clip, H.264 with the frame marker and AAC, ≈2.6 Mbit/s, in real time; no encoding or encryption, where WebRTC publishers would saturate the load generator long before the gateway), each stream pushed through /rest-api/push/startup to the sink: the relay path, with no codecs. The streams are added level by level, each level measured over ${context.seconds} s after ${context.warmupSeconds} s; the ramp stops at the first level that leaves a stream without video, loses a frame at the sink or in a reader queue, or delivers video later than ${LAG_LIMIT_MS} ms (p99, source write → sink arrival). Gateway: its process and children (utime + stime); box: /proc/stat over the window, every process on the machine (the sources, the sink and the harness share it); sources lag: how late their pacer wrote a frame; sink loop: the harness's event loop, which runs the sink (minus its ${LOOP_RESOLUTION_MS} ms sampling interval). Either above ${GENERATOR_LAG_LIMIT_MS} ms at the failing level means the load generator could not keep up either.`,
  ].join('\n');
}
