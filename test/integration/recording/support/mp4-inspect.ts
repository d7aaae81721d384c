import { runOrThrow } from '../../../support/processes';

/** The types of an MP4 file's top-level boxes, in order. */
export function topLevelBoxes(file: Buffer): string[] {
  const types: string[] = [];
  let offset = 0;
  while (offset + 8 <= file.length) {
    let size = file.readUInt32BE(offset);
    const type = file.toString('latin1', offset + 4, offset + 8);
    if (size === 1) size = Number(file.readBigUInt64BE(offset + 8));
    if (size === 0) size = file.length - offset;
    if (size < 8) break;
    types.push(type);
    offset += size;
  }
  return types;
}

/** Where a file's tracks start and end, seconds, by ffprobe's packets (presentation times, edit lists applied). */
export interface PacketTimes {
  readonly videoStartSeconds: number;
  /** End of the last picture (its time plus its duration). */
  readonly videoEndSeconds: number;
  readonly videoSeconds: number;
  readonly audioStartSeconds: number;
  readonly audioEndSeconds: number;
  readonly videoPackets: number;
}

export async function packetTimes(file: string): Promise<PacketTimes> {
  const { stdout } = await runOrThrow('ffprobe', ['-v', 'error', '-show_entries', 'packet=codec_type,pts_time,duration_time', '-of', 'json', file], { timeoutMs: 30_000 });
  const packets = (JSON.parse(stdout.toString()) as { packets: Array<{ codec_type: string; pts_time: string; duration_time?: string }> }).packets;
  const span = (kind: string) => {
    const of = packets.filter((p) => p.codec_type === kind).map((p) => ({ start: Number(p.pts_time), end: Number(p.pts_time) + Number(p.duration_time ?? 0) }));
    return { start: Math.min(...of.map((p) => p.start)), end: Math.max(...of.map((p) => p.end)), count: of.length };
  };
  const video = span('video');
  const audio = span('audio');
  return {
    videoStartSeconds: video.start,
    videoEndSeconds: video.end,
    videoSeconds: video.end - video.start,
    audioStartSeconds: audio.start,
    audioEndSeconds: audio.end,
    videoPackets: video.count,
  };
}
