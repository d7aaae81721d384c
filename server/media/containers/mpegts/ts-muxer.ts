import { ADTS_HEADER_LENGTH, buildAdtsHeader } from '../../aac/adts-header';
import { parseAudioSpecificConfig } from '../../aac/audio-specific-config';
import { H264FormatError } from '../../h264/h264-format-error';
import { NalType } from '../../h264/nal';
import { MediaFormatError } from '../../media-format-error';
import { PES_HEADER_LENGTH_PTS_DTS, STREAM_ID_AUDIO, STREAM_ID_VIDEO, TIMESTAMP_MODULO, pesHeaderLength, wrapTimestamp, writePesHeader } from './pes';
import { PsiWriter, STREAM_TYPE_AAC_ADTS, STREAM_TYPE_H264, TS_PACKET_SIZE, type PmtStream } from './psi';
import { TsPacketizer, startAdaptationLength, tsPacketCount, type TsPesStart } from './ts-packetizer';

/** PID of the PMT. */
export const PMT_PID = 0x1000;
/** PID of the H.264 stream. */
export const VIDEO_PID = 0x100;
/** PID of the AAC stream. */
export const AUDIO_PID = 0x101;
/** program_number of the only program (and service_id in the SDT). */
export const PROGRAM_NUMBER = 1;
/** Name of the service in the SDT (and of its provider). */
export const SERVICE_NAME = 'webrtc-rtmp-gateway';

/** Added to every PTS and DTS written, 90 kHz (1 s): input near 0, even slightly negative, stays positive and the PCR can lag behind it. */
export const TIMESTAMP_OFFSET = 90_000;
/**
 * How far the PCR lags the DTS of the PES that carries it, 90 kHz (300 ms). A PCR must never pass
 * the DTS of anything written after it; audio written after video lags it by < 150 ms, so twice that is safe.
 */
export const PCR_LAG = 27_000;
/** PSI is repeated at least this often, 90 kHz (100 ms); PCRs too (the spec's maximum interval). */
const REPEAT_INTERVAL = 9_000;
/** Largest ADTS frame (13-bit aac_frame_length), bytes. */
const MAX_ADTS_FRAME = 0x1fff;

const AUD = Buffer.from([0, 0, 0, 1, NalType.AUD, 0xf0]); // primary_pic_type 7: any slice type
const START_CODE = Buffer.from([0, 0, 0, 1]);
const AVCC_LENGTH_SIZE = 4;

/** Reasons the muxer refuses input (besides H264FormatError for broken AVCC and AacFormatError for configs ADTS cannot carry). */
export type TsMuxerErrorCode = 'TS_BAD_TIMESTAMP' | 'TS_EMPTY_ACCESS_UNIT' | 'TS_BAD_NAL' | 'TS_BAD_PARAMETER_SET' | 'TS_BAD_AUDIO_FRAME';

/** The tracks of the program; the PMT lists exactly these. */
export interface TsMuxerTracks {
  readonly video: boolean;
  readonly audio: boolean;
}

/** One H.264 access unit to write. */
export interface TsVideoAccessUnit {
  /** NAL units each prefixed by a 4-byte big-endian length (AVCC), as the hub carries H.264. */
  readonly data: Buffer;
  /** Presentation time, 90 kHz, an integer; may start near 0 and may be slightly negative. */
  readonly pts: number;
  /** Decoding time, 90 kHz, an integer. */
  readonly dts: number;
  /** An IDR: parameter sets are written before it and its first packet is marked random access. */
  readonly keyframe: boolean;
  /** Sequence parameter set (no start code), written before every keyframe. */
  readonly sps: Buffer;
  /** Picture parameter set (no start code), written before every keyframe. */
  readonly pps: Buffer;
}

/** One AAC frame to write. */
export interface TsAudioFrame {
  /** One raw AAC frame (no ADTS header). */
  readonly data: Buffer;
  /** Presentation time, 90 kHz, an integer. */
  readonly pts: number;
  /** AudioSpecificConfig (ISO/IEC 14496-3), from which the ADTS header is made. */
  readonly config: Buffer;
}

/**
 * MPEG-TS muxer (ISO/IEC 13818-1) of one program with H.264 and/or AAC: each call returns whole
 * 188-byte packets for one access unit, in one Buffer, preceded by PAT, PMT and SDT when they are
 * due (first output, every video keyframe, every 100 ms). All PTS/DTS are shifted by
 * TIMESTAMP_OFFSET; the PCR (on the video PID, else the audio PID) follows the DTS PCR_LAG behind,
 * and goes on at audio's pace in adaptation-only packets while video stalls.
 * Malformed input throws a MediaFormatError before anything changes, so the next frame is fine.
 */
export class TsMuxer {
  readonly #hasVideo: boolean;
  readonly #hasAudio: boolean;
  readonly #pcrPid: number;
  readonly #psi: PsiWriter;
  readonly #video = new TsPacketizer(VIDEO_PID);
  readonly #audio = new TsPacketizer(AUDIO_PID);
  /** Scratch for the PES header and the ADTS header: copied into the output, never handed out. */
  readonly #pesHeader = Buffer.alloc(PES_HEADER_LENGTH_PTS_DTS);
  readonly #adtsHeader = Buffer.alloc(ADTS_HEADER_LENGTH);
  /** The AudioSpecificConfig #adtsHeader was made from. */
  #adtsConfig: Buffer | undefined;
  /** Duration of one AAC frame (1024 samples) of that config, 90 kHz. */
  #audioFrameTicks = 0;
  /** Last PCR written, 90 kHz modulo 2^33. */
  #lastPcr: number | undefined;
  /** In a video program, the audio clock at the first audio frame after the last PCR (see writeAudio). */
  #audioClockAtPcr: number | undefined;
  #psiWritten = false;
  /** PCR time (the last PCR when it was written) of the last PSI; undefined while there was no PCR yet. */
  #lastPsiPcr: number | undefined;

  constructor(tracks: TsMuxerTracks) {
    if (!tracks.video && !tracks.audio) throw new TypeError('an MPEG-TS program needs a video or an audio track');
    this.#hasVideo = tracks.video;
    this.#hasAudio = tracks.audio;
    this.#pcrPid = tracks.video ? VIDEO_PID : AUDIO_PID;
    const streams: PmtStream[] = [];
    if (tracks.video) streams.push({ streamType: STREAM_TYPE_H264, pid: VIDEO_PID });
    if (tracks.audio) streams.push({ streamType: STREAM_TYPE_AAC_ADTS, pid: AUDIO_PID });
    this.#psi = new PsiWriter(
      { transportStreamId: 1, programNumber: PROGRAM_NUMBER, pmtPid: PMT_PID, pcrPid: this.#pcrPid, streams },
      { originalNetworkId: 0xff01, serviceType: tracks.video ? 0x01 : 0x02, providerName: SERVICE_NAME, serviceName: SERVICE_NAME },
    );
  }

  /** PID that carries the PCR: the video PID when there is video, else the audio PID. */
  get pcrPid(): number {
    return this.#pcrPid;
  }

  /**
   * Packets of one H.264 access unit as one PES (AUD, then SPS and PPS on keyframes, then the
   * input's NAL units in Annex B; in-band AUDs, and on keyframes in-band SPS/PPS, are dropped).
   * Throws TypeError without a video track, MediaFormatError on malformed input.
   */
  writeVideo(au: TsVideoAccessUnit): Buffer {
    if (!this.#hasVideo) throw new TypeError('this MPEG-TS muxer has no video track');
    const { data, keyframe, sps, pps } = au;
    const pts = checkTimestamp(au.pts, 'video PTS');
    const dts = checkTimestamp(au.dts, 'video DTS');
    if (keyframe) {
      checkParameterSet(sps, NalType.SPS, 'SPS');
      checkParameterSet(pps, NalType.PPS, 'PPS');
    }
    const esLength = annexBLength(data, keyframe) + AUD.length + (keyframe ? 2 * START_CODE.length + sps.length + pps.length : 0);
    const withDts = pts !== dts;
    const pesLength = pesHeaderLength(withDts) + esLength;
    const start = this.#pesStart(VIDEO_PID, streamClock(dts), keyframe);

    const psi = keyframe || this.#psiDue(start.pcr);
    const packets = tsPacketCount(pesLength, startAdaptationLength(start));
    const out = Buffer.allocUnsafe((psi ? this.#psi.size : 0) + packets * TS_PACKET_SIZE);
    const offset = psi ? this.#psi.write(out, 0) : 0;
    const v = this.#video;
    v.begin(out, offset, pesLength, start);
    const headerLength = writePesHeader(this.#pesHeader, 0, {
      streamId: STREAM_ID_VIDEO,
      pts: pts + TIMESTAMP_OFFSET,
      dts: withDts ? dts + TIMESTAMP_OFFSET : undefined,
      payloadLength: undefined, // unbounded: a video PES may exceed 64 KiB
      dataAlignment: true,
    });
    v.put(this.#pesHeader, 0, headerLength);
    v.put(AUD);
    if (keyframe) {
      v.put(START_CODE);
      v.put(sps);
      v.put(START_CODE);
      v.put(pps);
    }
    // Second walk over the NAL units, already validated by annexBLength.
    for (let at = 0; at < data.length; ) {
      const length = data.readUInt32BE(at);
      at += AVCC_LENGTH_SIZE;
      if (keepNal(data[at] & 0x1f, keyframe)) {
        v.put(START_CODE);
        v.put(data, at, at + length);
      }
      at += length;
    }
    v.finish();
    this.#commit(start.pcr, psi);
    this.#audioClockAtPcr = undefined;
    return out;
  }

  /**
   * Packets of one AAC frame as one PES holding one ADTS frame. Throws TypeError without an audio
   * track, MediaFormatError on malformed input or a config ADTS cannot express (AacFormatError).
   */
  writeAudio(frame: TsAudioFrame): Buffer {
    if (!this.#hasAudio) throw new TypeError('this MPEG-TS muxer has no audio track');
    const { data } = frame;
    const pts = checkTimestamp(frame.pts, 'audio PTS');
    const frameLength = ADTS_HEADER_LENGTH + data.length;
    if (data.length === 0 || frameLength > MAX_ADTS_FRAME) {
      throw new MediaFormatError<TsMuxerErrorCode>('TS_BAD_AUDIO_FRAME', `an AAC frame of ${data.length} bytes does not fit an ADTS frame (1..${MAX_ADTS_FRAME - ADTS_HEADER_LENGTH} bytes)`);
    }
    const adts = this.#adtsFor(frame.config);
    const pesLength = pesHeaderLength(false) + frameLength;
    const clock = streamClock(pts);
    const start = this.#pesStart(AUDIO_PID, clock, true);
    // In a video program the PCR lives on the video PID. When video stalls, the PCR goes on at
    // audio's pace in an adaptation-only packet there, early enough to keep PCRs ≤ 100 ms apart,
    // and relative to the last PCR, so whatever the offset between the tracks' timestamps.
    let audioBase = this.#audioClockAtPcr;
    let pcrOnly: number | undefined;
    if (this.#pcrPid === VIDEO_PID && this.#lastPcr !== undefined) {
      const advance = audioBase === undefined ? -1 : signedDistance(clock, audioBase);
      if (advance >= Math.max(1, REPEAT_INTERVAL - this.#audioFrameTicks)) pcrOnly = wrapTimestamp(this.#lastPcr + advance);
      if (advance < 0 || pcrOnly !== undefined) audioBase = clock;
    }

    const psi = this.#psiDue(start.pcr ?? pcrOnly);
    const packets = tsPacketCount(pesLength, startAdaptationLength(start));
    const out = Buffer.allocUnsafe((psi ? this.#psi.size : 0) + (pcrOnly !== undefined ? TS_PACKET_SIZE : 0) + packets * TS_PACKET_SIZE);
    let offset = psi ? this.#psi.write(out, 0) : 0;
    if (pcrOnly !== undefined) offset = this.#video.writePcrOnly(out, offset, pcrOnly);
    const a = this.#audio;
    a.begin(out, offset, pesLength, start);
    const headerLength = writePesHeader(this.#pesHeader, 0, {
      streamId: STREAM_ID_AUDIO,
      pts: pts + TIMESTAMP_OFFSET,
      dts: undefined,
      payloadLength: frameLength,
      dataAlignment: true,
    });
    a.put(this.#pesHeader, 0, headerLength);
    adts[3] = (adts[3] & 0xfc) | (frameLength >> 11);
    adts[4] = (frameLength >> 3) & 0xff;
    adts[5] = ((frameLength & 7) << 5) | 0x1f;
    a.put(adts);
    a.put(data);
    a.finish();
    this.#commit(start.pcr ?? pcrOnly, psi);
    this.#audioClockAtPcr = audioBase;
    return out;
  }

  /**
   * Adaptation field of a PES's first packet: on the PCR PID a PCR that never goes back (a step
   * back of up to PCR_LAG keeps the last value; a larger one is a new time base, flagged as a
   * discontinuity); random access on keyframes.
   */
  #pesStart(pid: number, clock: number, randomAccess: boolean): TsPesStart {
    // Only audio in a video program gets here: no adaptation field at all, every frame being a random access point anyway.
    if (pid !== this.#pcrPid) return { pcr: undefined, randomAccess: false, discontinuity: false };
    const last = this.#lastPcr;
    if (last === undefined || signedDistance(clock, last) >= 0) return { pcr: clock, randomAccess, discontinuity: false };
    if (!isBackwardJump(clock, last)) return { pcr: last, randomAccess, discontinuity: false };
    return { pcr: clock, randomAccess, discontinuity: true };
  }

  /**
   * PSI is due before the first output, then once PCR time (`pcr`, the PCR this write carries, or
   * the last one) is 100 ms past the last PSI's, or went back (a new time base).
   */
  #psiDue(pcr: number | undefined): boolean {
    if (!this.#psiWritten) return true;
    const now = pcr ?? this.#lastPcr;
    if (now === undefined) return false;
    if (this.#lastPsiPcr === undefined) return true;
    const elapsed = signedDistance(now, this.#lastPsiPcr);
    return elapsed >= REPEAT_INTERVAL || elapsed < 0;
  }

  /** Keeps what a successful write changed (continuity counters are kept by the packetizers). */
  #commit(pcr: number | undefined, psi: boolean): void {
    if (pcr !== undefined) this.#lastPcr = pcr;
    if (psi) {
      this.#psiWritten = true;
      this.#lastPsiPcr = this.#lastPcr;
    }
  }

  /** The ADTS header template for `config`, made once per distinct config. */
  #adtsFor(config: Buffer): Buffer {
    const cached = this.#adtsConfig;
    if (cached === config || (cached !== undefined && cached.equals(config))) return this.#adtsHeader;
    const { objectType, sampleRate, channels } = parseAudioSpecificConfig(config);
    // buildAdtsHeader refuses what ADTS cannot express (object type > 4, explicit rates, PCE channels).
    buildAdtsHeader(objectType, sampleRate, channels, 0).copy(this.#adtsHeader);
    this.#adtsConfig = Buffer.from(config);
    this.#audioFrameTicks = Math.round((1024 * 90_000) / sampleRate);
    return this.#adtsHeader;
  }
}

/** `ticks` as written on the wire, minus the PCR lag, modulo 2^33: the PCR a PES with this DTS may carry. */
function streamClock(ticks: number): number {
  return wrapTimestamp(ticks + TIMESTAMP_OFFSET - PCR_LAG);
}

/** `a − b` on the 2^33 circle, in [−2^32, 2^32). */
function signedDistance(a: number, b: number): number {
  const d = wrapTimestamp(a - b);
  return d >= TIMESTAMP_MODULO / 2 ? d - TIMESTAMP_MODULO : d;
}

/** The clock went back further than PCR_LAG: holding the PCR would leave it past the new DTS. */
function isBackwardJump(clock: number, last: number): boolean {
  return signedDistance(clock, last) < -PCR_LAG;
}

function checkTimestamp(ticks: number, what: string): number {
  if (!Number.isSafeInteger(ticks)) throw new MediaFormatError<TsMuxerErrorCode>('TS_BAD_TIMESTAMP', `${what} ${ticks} is not an integer number of 90 kHz ticks`);
  return ticks;
}

function checkParameterSet(nal: Buffer, type: number, what: string): void {
  if (nal.length === 0 || (nal[0] & 0x9f) !== type) {
    throw new MediaFormatError<TsMuxerErrorCode>('TS_BAD_PARAMETER_SET', `the keyframe's ${what} is ${nal.length === 0 ? 'empty' : `a NAL unit of type ${nal[0] & 0x1f}`}`);
  }
}

/** In-band AUDs always go (ours is written), in-band SPS/PPS on keyframes (the track's are written). */
function keepNal(type: number, keyframe: boolean): boolean {
  return type !== NalType.AUD && !(keyframe && (type === NalType.SPS || type === NalType.PPS));
}

/**
 * Bytes of the NAL units of AVCC `data` that are kept, each with a 4-byte start code: the first
 * walk, which also rejects what would corrupt the stream (a length past the end, empty NAL
 * units, a forbidden_zero_bit set, nothing to write).
 */
function annexBLength(data: Buffer, keyframe: boolean): number {
  let length = 0;
  let kept = 0;
  let at = 0;
  while (at < data.length) {
    if (at + AVCC_LENGTH_SIZE > data.length) {
      throw new H264FormatError('AVCC_TRUNCATED', `AVCC length field at byte ${at} of a ${data.length}-byte access unit is cut off`);
    }
    const nalLength = data.readUInt32BE(at);
    at += AVCC_LENGTH_SIZE;
    if (nalLength > data.length - at) {
      throw new H264FormatError('AVCC_LENGTH_OVERRUN', `AVCC NAL unit of ${nalLength} bytes at byte ${at} overruns the ${data.length}-byte access unit`);
    }
    if (nalLength === 0) throw new MediaFormatError<TsMuxerErrorCode>('TS_BAD_NAL', `empty AVCC NAL unit at byte ${at}`);
    if (data[at] & 0x80) throw new MediaFormatError<TsMuxerErrorCode>('TS_BAD_NAL', `NAL unit at byte ${at} has forbidden_zero_bit set (not AVCC?)`);
    if (keepNal(data[at] & 0x1f, keyframe)) {
      length += START_CODE.length + nalLength;
      kept++;
    }
    at += nalLength;
  }
  if (kept === 0) throw new MediaFormatError<TsMuxerErrorCode>('TS_EMPTY_ACCESS_UNIT', `video access unit of ${data.length} bytes has no NAL unit to write`);
  return length;
}
