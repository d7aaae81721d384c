import { AccessUnitAssembler } from '../h264/access-unit-assembler';
import { H264FormatError } from '../h264/h264-format-error';
import { NalType, splitAvcc } from '../h264/nal';
import { KeyframeGate } from './keyframe-gate';
import type { RtpPacketView, RtpStreamItem } from './rtp-packet';
import type { DepacketizeResult, VideoDepacketizer } from './video-depacketizer';

/** One H.264 access unit rebuilt from RTP. */
export interface H264AccessUnit {
  /** RTP timestamp of the access unit, 90 kHz. */
  readonly rtpTimestamp: number;
  /** NAL units in AVCC form (4-byte big-endian lengths); AUD and filler data removed. */
  readonly data: Buffer;
  /** True when the access unit holds an IDR slice. */
  readonly keyframe: boolean;
  /** nal_unit_type of each NAL unit in `data`, in order. */
  readonly nalTypes: readonly number[];
  /** `receivedAt` of the access unit's first packet, ms on the caller's clock. */
  readonly receivedAt: number;
}

/** Counters of what the depacketizer did, since creation. */
export interface H264DepacketizerStats {
  readonly accessUnits: number;
  /** Access units thrown away: damaged by loss, malformed, unsupported, or waiting for a keyframe. */
  readonly droppedAccessUnits: number;
  /** Packets of a payload structure this depacketizer does not implement (STAP-B, MTAP16/24, FU-B). */
  readonly unsupportedPackets: number;
  /** Packets whose payload contradicts RFC 6184 (bad lengths, FU without start, reserved types). */
  readonly malformedPackets: number;
}

/** RTP payload NAL unit types beyond the H.264 ones (RFC 6184 5.2). */
const STAP_A = 24;
const FU_A = 28;
const UNSUPPORTED_TYPES = new Set([25, 26, 27, 29]); // STAP-B, MTAP16, MTAP24, FU-B

/** NAL units that carry nothing a reader needs. */
const DISCARDED_NAL_TYPES = new Set<number>([NalType.AUD, NalType.FILLER]);

/**
 * H.264 RTP depacketizer (RFC 6184, non-interleaved mode: single NAL unit, STAP-A, FU-A).
 *
 * An access unit ends on the marker bit or when the RTP timestamp changes. Any loss, or a packet
 * it cannot use, drops the access unit concerned and every following one up to the next IDR
 * (reported through `needKeyframe`). SPS and PPS stay in the access unit; the latest ones are
 * also kept for building the sequence header.
 */
export class H264Depacketizer implements VideoDepacketizer<H264AccessUnit> {
  readonly #gate = new KeyframeGate();
  readonly #assembler = new AccessUnitAssembler();
  /** RTP timestamp of the access unit being collected; undefined between access units. */
  #timestamp: number | undefined;
  #receivedAt = 0;
  /** The access unit being collected can no longer be delivered. */
  #damaged = false;
  /** nal_unit_type of the open FU-A NAL unit, or undefined when none is open. */
  #fuType: number | undefined;
  #sps: Buffer | undefined;
  #pps: Buffer | undefined;
  #accessUnits = 0;
  #droppedAccessUnits = 0;
  #unsupportedPackets = 0;
  #malformedPackets = 0;

  /** True while access units are discarded until the next IDR. */
  get waitingForKeyframe(): boolean {
    return this.#gate.waitingForKeyframe;
  }

  /** The latest SPS NAL unit (header byte included) of a delivered access unit. */
  get sps(): Buffer | undefined {
    return this.#sps;
  }

  /** The latest PPS NAL unit (header byte included) of a delivered access unit. */
  get pps(): Buffer | undefined {
    return this.#pps;
  }

  /** Counters since creation. */
  get stats(): H264DepacketizerStats {
    return {
      accessUnits: this.#accessUnits,
      droppedAccessUnits: this.#droppedAccessUnits,
      unsupportedPackets: this.#unsupportedPackets,
      malformedPackets: this.#malformedPackets,
    };
  }

  /** Feeds one in-order packet or loss marker; returns the access units it completed. */
  push(item: RtpStreamItem): DepacketizeResult<H264AccessUnit> {
    const frames: H264AccessUnit[] = [];
    if (item.kind === 'loss') {
      if (this.#timestamp !== undefined) this.#drop();
      this.#gate.lost();
    } else {
      this.#onPacket(item.packet, frames);
    }
    return { frames, needKeyframe: this.#gate.takeKeyframeRequest() };
  }

  #onPacket(packet: RtpPacketView, frames: H264AccessUnit[]): void {
    const { payload } = packet;
    if (!this.#gate.passPacket(packet, payload.length > 0 && beginsAccessUnit(payload))) return;
    if (this.#timestamp !== undefined && packet.timestamp !== this.#timestamp) this.#finish(frames);
    if (this.#timestamp === undefined) {
      this.#timestamp = packet.timestamp;
      this.#receivedAt = packet.receivedAt;
    }
    if (!this.#damaged) this.#depacketize(payload);
    if (packet.marker) this.#finish(frames);
  }

  #depacketize(payload: Buffer): void {
    const type = payload.length > 0 ? payload[0] & 0x1f : 0;
    if (type >= 1 && type <= 23) {
      if (this.#fuType !== undefined) return this.#damage('malformed'); // FU-A interrupted
      this.#addNal(payload);
    } else if (type === STAP_A) {
      this.#depacketizeStapA(payload);
    } else if (type === FU_A) {
      this.#depacketizeFuA(payload);
    } else if (UNSUPPORTED_TYPES.has(type)) {
      this.#damage('unsupported');
    } else {
      this.#damage('malformed');
    }
  }

  #depacketizeStapA(payload: Buffer): void {
    if (this.#fuType !== undefined) return this.#damage('malformed');
    let nalus: Buffer[];
    try {
      nalus = splitAvcc(payload.subarray(1), 2);
    } catch (err) {
      if (!(err instanceof H264FormatError)) throw err;
      return this.#damage('malformed'); // an aggregated NAL unit overruns the packet
    }
    if (nalus.length === 0) return this.#damage('malformed');
    for (const nal of nalus) this.#addNal(nal);
  }

  #depacketizeFuA(payload: Buffer): void {
    if (payload.length < 3) return this.#damage('malformed');
    const fuHeader = payload[1];
    const start = (fuHeader & 0x80) !== 0;
    const end = (fuHeader & 0x40) !== 0;
    const type = fuHeader & 0x1f;
    if (start) {
      if (this.#fuType !== undefined) return this.#damage('malformed'); // previous FU-A never ended
      this.#fuType = type;
      // The NAL header is the FU indicator's F and NRI bits with the FU header's type.
      if (!DISCARDED_NAL_TYPES.has(type)) this.#assembler.startNal((payload[0] & 0xe0) | type);
    } else if (this.#fuType !== type) {
      return this.#damage('malformed'); // continuation without its start
    }
    this.#assembler.appendToNal(payload.subarray(2));
    if (end) {
      this.#assembler.endNal();
      this.#fuType = undefined;
    }
  }

  #addNal(nal: Buffer): void {
    if (!DISCARDED_NAL_TYPES.has(nal[0] & 0x1f)) this.#assembler.addNal(nal);
  }

  #damage(reason: 'unsupported' | 'malformed'): void {
    if (reason === 'unsupported') this.#unsupportedPackets++;
    else this.#malformedPackets++;
    this.#damaged = true;
    this.#gate.damaged();
  }

  /** Ends the access unit being collected: delivers it if it is whole and decodable. */
  #finish(frames: H264AccessUnit[]): void {
    if (this.#fuType !== undefined && !this.#damaged) this.#damage('malformed'); // last FU-A lacks its end
    if (this.#damaged || this.#assembler.isEmpty) return this.#drop();
    const nalTypes = this.#assembler.nalTypes();
    const keyframe = nalTypes.includes(NalType.IDR);
    if (!this.#gate.admitFrame(keyframe)) return this.#drop();
    const data = this.#assembler.build();
    this.#keepParameterSets(data, nalTypes);
    frames.push({ rtpTimestamp: this.#timestamp!, data, keyframe, nalTypes, receivedAt: this.#receivedAt });
    this.#accessUnits++;
    this.#reset();
  }

  /** Forgets the access unit being collected, counting it as dropped if it held anything. */
  #drop(): void {
    if (this.#damaged || !this.#assembler.isEmpty) this.#droppedAccessUnits++;
    this.#reset();
  }

  #reset(): void {
    this.#assembler.reset();
    this.#timestamp = undefined;
    this.#damaged = false;
    this.#fuType = undefined;
  }

  /** Copies SPS/PPS out of the access unit so they do not pin its (possibly large) buffer. */
  #keepParameterSets(avcc: Buffer, nalTypes: readonly number[]): void {
    if (!nalTypes.includes(NalType.SPS) && !nalTypes.includes(NalType.PPS)) return;
    for (const nal of splitAvcc(avcc)) {
      const type = nal[0] & 0x1f;
      if (type === NalType.SPS) this.#sps = Buffer.from(nal);
      else if (type === NalType.PPS) this.#pps = Buffer.from(nal);
    }
  }
}

/**
 * Whether an RTP payload can be the first packet of an access unit: its first NAL unit is one that
 * may open an access unit (SEI, SPS, PPS, AUD) or the first slice of a picture (first_mb_in_slice = 0,
 * i.e. the slice header's first bit is 1).
 */
function beginsAccessUnit(payload: Buffer): boolean {
  const type = payload[0] & 0x1f;
  if (type === STAP_A) return payload.length > 3 && nalBeginsAccessUnit(payload[3] & 0x1f, payload[4]);
  if (type === FU_A) return payload.length > 2 && (payload[1] & 0x80) !== 0 && nalBeginsAccessUnit(payload[1] & 0x1f, payload[2]);
  return nalBeginsAccessUnit(type, payload[1]);
}

function nalBeginsAccessUnit(type: number, firstPayloadByte: number | undefined): boolean {
  if (type === NalType.SLICE || type === NalType.IDR) return firstPayloadByte !== undefined && (firstPayloadByte & 0x80) !== 0;
  return type === NalType.SEI || type === NalType.SPS || type === NalType.PPS || type === NalType.AUD;
}
