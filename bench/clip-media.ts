import { readFile } from 'node:fs/promises';
import { oggPackets, readOggPages } from '../server/media/containers/ogg-reader';
import { NalType, splitAnnexB } from '../server/media/h264/nal';
import { opusPacketSamples } from '../server/media/opus/opus-packet';
import type { ClipFiles } from './clip';
import { packetizeNal } from './h264-packetizer';

/** Duration of one video frame of the clip, ms (30 fps). */
export const VIDEO_FRAME_MS = 1000 / 30;
/** RTP timestamp step of one video frame, 90 kHz. */
export const VIDEO_FRAME_TICKS = 3000;
/** Duration of one Opus packet of the clip, ms. */
export const AUDIO_PACKET_MS = 20;
/** RTP timestamp step of one Opus packet, 48 kHz. */
export const AUDIO_PACKET_TICKS = 960;

/** One access unit of the clip, already cut into RTP payloads. */
export interface ClipVideoFrame {
  readonly keyframe: boolean;
  /** RTP payloads in sending order (access unit delimiters left out). */
  readonly payloads: readonly Buffer[];
  /** Position in `payloads` where the frame marker goes: after SPS/PPS, before the first slice. */
  readonly markerAt: number;
}

/** The clip as the publishers send it. */
export interface ClipMedia {
  readonly video: readonly ClipVideoFrame[];
  /** Opus packets, 20 ms each. */
  readonly audio: readonly Buffer[];
}

/** Reads the clip's files and packetizes the video once, for payloads of at most `maxPayloadBytes`. */
export async function loadClipMedia(clip: Pick<ClipFiles, 'h264Path' | 'opusPath'>, maxPayloadBytes: number): Promise<ClipMedia> {
  const [h264, ogg] = await Promise.all([readFile(clip.h264Path), readFile(clip.opusPath)]);
  const video = accessUnits(splitAnnexB(h264)).map((nals) => toFrame(nals, maxPayloadBytes));
  // The first two Ogg packets are the OpusHead and OpusTags headers.
  const audio = oggPackets(readOggPages(ogg)).slice(2).map((packet) => packet.data);
  const odd = audio.find((packet) => opusPacketSamples(packet) !== AUDIO_PACKET_TICKS);
  if (odd) throw new Error(`the Opus clip has a packet of ${opusPacketSamples(odd)} samples, expected ${AUDIO_PACKET_TICKS}`);
  if (video.length === 0 || !video[0]!.keyframe || audio.length === 0) throw new Error('the clip must start with a keyframe and have audio');
  return { video, audio };
}

/** Groups NAL units into access units, each opened by an access unit delimiter (x264 `aud=1`). */
function accessUnits(nals: readonly Buffer[]): Buffer[][] {
  const units: Buffer[][] = [];
  for (const nal of nals) {
    if ((nal[0]! & 0x1f) === NalType.AUD) units.push([]);
    else units.at(-1)?.push(nal);
  }
  return units.filter((unit) => unit.length > 0);
}

function toFrame(nals: readonly Buffer[], maxPayloadBytes: number): ClipVideoFrame {
  const payloads: Buffer[] = [];
  let markerAt: number | undefined;
  for (const nal of nals) {
    const type = nal[0]! & 0x1f;
    if (markerAt === undefined && (type === NalType.SLICE || type === NalType.IDR)) markerAt = payloads.length;
    payloads.push(...packetizeNal(nal, maxPayloadBytes));
  }
  return { keyframe: nals.some((nal) => (nal[0]! & 0x1f) === NalType.IDR), payloads, markerAt: markerAt ?? 0 };
}
