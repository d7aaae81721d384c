import { H264FormatError } from '../h264/h264-format-error';
import { NalType } from '../h264/nal';

/** RTP payload size that fits a 1280-byte path MTU with the RTP header, extensions and SRTP tag. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1200;

/** RTP payload NAL unit types (RFC 6184 5.2). */
const STAP_A = 24;
const FU_A = 28;
/** FU indicator and FU header. */
const FU_A_HEADER_BYTES = 2;
/** STAP-A NAL header, then a 2-byte size before each aggregated NAL unit. */
const STAP_A_HEADER_BYTES = 1;
const STAP_A_SIZE_BYTES = 2;
/** AVCC length prefix of the hub's access units. */
const AVCC_LENGTH_BYTES = 4;

/** The parameter sets sent ahead of a keyframe that lacks its own. */
export interface H264ParameterSets {
  /** SPS NAL unit (header byte included). */
  readonly sps: Buffer;
  /** PPS NAL unit (header byte included). */
  readonly pps: Buffer;
}

/** Takes each RTP payload of an access unit, in order; `last` is true on its final one (the marker bit). */
export type RtpPayloadSink = (payload: Buffer, last: boolean) => void;

/**
 * H.264 RTP packetizer, RFC 6184 packetization-mode=1: each NAL unit of an AVCC access unit as a
 * single NAL unit packet when it fits `maxPayloadBytes`, else as FU-A fragments of even size. A
 * keyframe without SPS and PPS of its own gets the given ones first (one STAP-A when they fit):
 * RTMP carries them out of band, and a viewer joins on any keyframe.
 *
 * Payloads are handed to a sink rather than collected: single NAL units are zero-copy views of the
 * access unit, only STAP-A and FU-A payloads are new buffers.
 */
export class H264Packetizer {
  readonly #maxPayloadBytes: number;
  /** Set by #scan for the access unit being packetized: where its last non-empty NAL unit starts (-1: none). */
  #lastNalStart = -1;
  /** Set by #scan: the access unit carries an SPS. */
  #hasSps = false;

  constructor(maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES) {
    // An FU-A needs its two header bytes and at least one byte of the NAL unit.
    if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < FU_A_HEADER_BYTES + 1) {
      throw new RangeError(`maxPayloadBytes must be an integer of at least ${FU_A_HEADER_BYTES + 1}, got ${maxPayloadBytes}`);
    }
    this.#maxPayloadBytes = maxPayloadBytes;
  }

  get maxPayloadBytes(): number {
    return this.#maxPayloadBytes;
  }

  /**
   * Packetizes one access unit (NAL units each prefixed by a 4-byte big-endian length) into `sink`;
   * returns the number of payloads. `parameterSets` go first when `keyframe` and the access unit
   * has no SPS. A malformed access unit throws H264FormatError before any payload is emitted.
   */
  packetize(accessUnit: Buffer, keyframe: boolean, parameterSets: H264ParameterSets | undefined, sink: RtpPayloadSink): number {
    this.#scan(accessUnit);
    const lastNalStart = this.#lastNalStart;
    let count = 0;
    if (keyframe && !this.#hasSps && parameterSets) count += this.#emitParameterSets(parameterSets, lastNalStart < 0, sink);
    for (let offset = 0; offset < accessUnit.length; ) {
      const length = accessUnit.readUInt32BE(offset);
      const start = offset + AVCC_LENGTH_BYTES;
      offset = start + length;
      if (length > 0) count += this.#emitNal(accessUnit.subarray(start, offset), start === lastNalStart, sink);
    }
    return count;
  }

  /** SPS then PPS: one STAP-A when both fit, else each on its own. */
  #emitParameterSets({ sps, pps }: H264ParameterSets, last: boolean, sink: RtpPayloadSink): number {
    const stapBytes = STAP_A_HEADER_BYTES + STAP_A_SIZE_BYTES + sps.length + STAP_A_SIZE_BYTES + pps.length;
    if (stapBytes > this.#maxPayloadBytes || sps.length === 0 || pps.length === 0) {
      let count = 0;
      if (sps.length > 0) count += this.#emitNal(sps, last && pps.length === 0, sink);
      if (pps.length > 0) count += this.#emitNal(pps, last, sink);
      return count;
    }
    const stap = Buffer.allocUnsafe(stapBytes);
    // F is set when either unit has it; NRI is the highest of the two (RFC 6184 5.7.1).
    stap[0] = ((sps[0]! | pps[0]!) & 0x80) | Math.max(sps[0]! & 0x60, pps[0]! & 0x60) | STAP_A;
    let offset = stap.writeUInt16BE(sps.length, STAP_A_HEADER_BYTES);
    offset += sps.copy(stap, offset);
    offset = stap.writeUInt16BE(pps.length, offset);
    pps.copy(stap, offset);
    sink(stap, last);
    return 1;
  }

  /** One NAL unit as a single NAL unit packet, or as FU-A fragments of (nearly) equal size. */
  #emitNal(nal: Buffer, last: boolean, sink: RtpPayloadSink): number {
    if (nal.length <= this.#maxPayloadBytes) {
      sink(nal, last);
      return 1;
    }
    const indicator = (nal[0]! & 0xe0) | FU_A;
    const type = nal[0]! & 0x1f;
    const body = nal.length - 1; // the NAL header travels in the FU indicator and header
    const fragments = Math.ceil(body / (this.#maxPayloadBytes - FU_A_HEADER_BYTES));
    // The first `longer` fragments take one byte more: sizes differ by one byte at most.
    const shortBytes = Math.floor(body / fragments);
    const longer = body % fragments;
    let offset = 1;
    for (let index = 0; index < fragments; index++) {
      const end = offset + shortBytes + (index < longer ? 1 : 0);
      const payload = Buffer.allocUnsafe(FU_A_HEADER_BYTES + end - offset);
      const final = index === fragments - 1;
      payload[0] = indicator;
      payload[1] = (index === 0 ? 0x80 : 0) | (final ? 0x40 : 0) | type;
      nal.copy(payload, FU_A_HEADER_BYTES, offset, end);
      sink(payload, last && final);
      offset = end;
    }
    return fragments;
  }

  /** Checks the AVCC lengths (nothing is emitted from a malformed access unit); sets #lastNalStart and #hasSps. */
  #scan(accessUnit: Buffer): void {
    this.#lastNalStart = -1;
    this.#hasSps = false;
    for (let offset = 0; offset < accessUnit.length; ) {
      if (offset + AVCC_LENGTH_BYTES > accessUnit.length) {
        throw new H264FormatError('AVCC_TRUNCATED', `AVCC length field at byte ${offset} is cut off`);
      }
      const length = accessUnit.readUInt32BE(offset);
      const start = offset + AVCC_LENGTH_BYTES;
      if (start + length > accessUnit.length) {
        throw new H264FormatError('AVCC_LENGTH_OVERRUN', `AVCC NAL unit of ${length} bytes at byte ${start} overruns the ${accessUnit.length}-byte access unit`);
      }
      if (length > 0) {
        this.#lastNalStart = start;
        if ((accessUnit[start]! & 0x1f) === NalType.SPS) this.#hasSps = true;
      }
      offset = start + length;
    }
  }
}
