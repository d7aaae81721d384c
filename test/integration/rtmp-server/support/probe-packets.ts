import { stallTimeoutArgs } from '../../../support/ffmpeg-input';
import { runOrThrow } from '../../../support/processes';

/** One packet as ffprobe reads it from a source, in the order the source delivers them (decode order). */
export interface ProbedPacket {
  readonly kind: 'video' | 'audio';
  /** Presentation time, seconds. */
  readonly pts: number;
  /** Decode time, seconds. */
  readonly dts: number;
  readonly keyframe: boolean;
}

/**
 * Reads the packets of the first `seconds` of `url` with their pts and dts (media-probe's
 * probeFrames keeps only pts, which cannot show B-frames). Bounded by `seconds` + 15 s.
 */
export async function probePackets(url: string, seconds: number): Promise<ProbedPacket[]> {
  const timeoutMs = seconds * 1000 + 15_000;
  const args = ['-v', 'error', ...stallTimeoutArgs(timeoutMs), '-read_intervals', `%+${seconds}`, '-show_entries', 'packet=codec_type,pts_time,dts_time,flags', '-of', 'json', url];
  const { stdout } = await runOrThrow('ffprobe', args, { timeoutMs });
  const packets = (JSON.parse(stdout.toString('utf8')) as { packets?: Record<string, string>[] }).packets ?? [];
  return packets
    .filter((p) => p['codec_type'] === 'video' || p['codec_type'] === 'audio')
    .map((p) => ({ kind: p['codec_type'] as 'video' | 'audio', pts: Number(p['pts_time']), dts: Number(p['dts_time']), keyframe: (p['flags'] ?? '').includes('K') }));
}

/**
 * True when the video packets carry B-frames whose composition offsets survived: decode times
 * increase, presentation times do not (frames are reordered), and sorted by presentation time the
 * frames are `frameSeconds` apart (every offset is right, none lost or doubled).
 */
export function hasIntactBFrames(packets: readonly ProbedPacket[], frameSeconds: number): boolean {
  const video = packets.filter((p) => p.kind === 'video');
  const dtsIncreasing = video.every((p, i) => i === 0 || p.dts > video[i - 1]!.dts);
  const reordered = video.some((p, i) => i > 0 && p.pts < video[i - 1]!.pts);
  const sorted = video.map((p) => p.pts).sort((a, b) => a - b);
  // The last few frames may be cut by the read interval before their reordered neighbours arrive.
  const steps = sorted.slice(1, -4).map((pts, i) => pts - sorted[i]!);
  const evenlySpaced = steps.length > 0 && steps.every((step) => Math.abs(step - frameSeconds) < 0.002);
  return dtsIncreasing && reordered && evenlySpaced;
}
