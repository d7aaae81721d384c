import { TS_PACKET_SIZE } from './psi';
import { wrapTimestamp } from './pes';

/** Bytes after the 4-byte packet header: adaptation field plus payload. */
const PACKET_ROOM = TS_PACKET_SIZE - 4;
/** Adaptation field flags (2.4.3.4). */
const DISCONTINUITY = 0x80;
const RANDOM_ACCESS = 0x40;
const PCR_FLAG = 0x10;
const EMPTY = Buffer.alloc(0);

/** What the adaptation field of a PES's first packet carries. */
export interface TsPesStart {
  /** PCR base, 90 kHz (taken modulo 2^33; the 27 MHz extension is 0); undefined: no PCR. */
  readonly pcr: number | undefined;
  /** random_access_indicator: a decoder can start at this PES (an IDR). */
  readonly randomAccess: boolean;
  /** discontinuity_indicator: the PCR starts a new time base. */
  readonly discontinuity: boolean;
}

/** Bytes of the adaptation field the first packet needs for `start` before any stuffing (0: none). */
export function startAdaptationLength(start: TsPesStart): number {
  if (start.pcr !== undefined) return 8; // length, flags, 6-byte PCR
  return start.randomAccess || start.discontinuity ? 2 : 0;
}

/** Number of 188-byte packets a PES of `pesLength` bytes takes when the first has `adaptationLength` bytes of adaptation field. */
export function tsPacketCount(pesLength: number, adaptationLength: number): number {
  const firstRoom = PACKET_ROOM - adaptationLength;
  return pesLength <= firstRoom ? 1 : 1 + Math.ceil((pesLength - firstRoom) / PACKET_ROOM);
}

/**
 * Splits PESes of one PID into transport packets, written straight into a caller's buffer: the
 * caller sizes it with `tsPacketCount`, calls `begin`, `put`s the PES bytes in order (they are
 * copied once, into their final place) and `finish`es. The first packet gets
 * payload_unit_start_indicator and the adaptation field of `TsPesStart`; the last is filled up by
 * stuffing in its adaptation field. The continuity counter counts packets with payload and is kept
 * only when `finish` succeeds, so an abandoned PES leaves no trace.
 */
export class TsPacketizer {
  /** The PID of every packet. */
  readonly pid: number;
  /** Continuity counter of the next packet with payload. */
  #cc = 0;
  #out: Buffer = EMPTY;
  /** Next byte to write, and the end of the current packet. */
  #pos = 0;
  #packetEnd = 0;
  /** PES bytes not yet written. */
  #left = 0;
  /** Continuity counter of the current packet. */
  #packetCc = 0;

  constructor(pid: number) {
    this.pid = pid;
  }

  /** Continuity counter the next packet with payload will carry (0..15). */
  get continuityCounter(): number {
    return this.#cc;
  }

  /** Starts a PES of `pesLength` (> 0) bytes at `offset`: writes the first packet's header and adaptation field. */
  begin(out: Buffer, offset: number, pesLength: number, start: TsPesStart): void {
    this.#out = out;
    this.#left = pesLength;
    this.#packetCc = this.#cc;
    const adaptationLength = startAdaptationLength(start);
    const payload = Math.min(pesLength, PACKET_ROOM - adaptationLength);
    const fieldLength = PACKET_ROOM - payload; // base field plus stuffing
    this.#writeHeader(offset, true, fieldLength);
    if (fieldLength > 1) {
      let flags = 0;
      if (start.discontinuity) flags |= DISCONTINUITY;
      if (start.randomAccess) flags |= RANDOM_ACCESS;
      if (start.pcr !== undefined) {
        flags |= PCR_FLAG;
        writePcr(out, offset + 6, start.pcr);
      }
      out[offset + 5] = flags;
    }
    this.#stuff(offset, Math.max(adaptationLength, Math.min(fieldLength, 2)), fieldLength);
    this.#pos = offset + 4 + fieldLength;
    this.#packetEnd = offset + TS_PACKET_SIZE;
  }

  /** Appends PES bytes `src[start, end)`, moving to the next packets as they fill. */
  put(src: Uint8Array, start = 0, end = src.length): void {
    const out = this.#out;
    while (start < end) {
      if (this.#pos === this.#packetEnd) this.#nextPacket();
      const n = Math.min(end - start, this.#packetEnd - this.#pos);
      if (n < 16) {
        // A native copy costs more than a loop for start codes and headers.
        for (let i = 0; i < n; i++) out[this.#pos + i] = src[start + i];
      } else {
        out.set(src.subarray(start, start + n), this.#pos);
      }
      this.#pos += n;
      this.#left -= n;
      start += n;
    }
  }

  /** Ends the PES: checks every announced byte came, keeps the continuity counter; returns the offset after the last packet. */
  finish(): number {
    if (this.#left !== 0 || this.#pos !== this.#packetEnd) {
      throw new Error(`TS packetizer: PES ended with ${this.#left} bytes missing (the caller's size is wrong)`);
    }
    this.#cc = (this.#packetCc + 1) & 0x0f;
    this.#out = EMPTY;
    return this.#packetEnd;
  }

  /**
   * Writes one packet with only an adaptation field carrying `pcr` (between PESes, to keep PCRs
   * ≤ 100 ms apart). It has no payload, so it repeats the last continuity counter; returns the offset after it.
   */
  writePcrOnly(out: Buffer, offset: number, pcr: number): number {
    out[offset] = 0x47;
    out[offset + 1] = this.pid >> 8;
    out[offset + 2] = this.pid & 0xff;
    out[offset + 3] = 0x20 | ((this.#cc + 15) & 0x0f); // adaptation field only
    out[offset + 4] = PACKET_ROOM - 1;
    out[offset + 5] = PCR_FLAG;
    writePcr(out, offset + 6, pcr);
    out.fill(0xff, offset + 12, offset + TS_PACKET_SIZE);
    return offset + TS_PACKET_SIZE;
  }

  /** Header and stuffing of a continuation packet, sized by what is left. */
  #nextPacket(): void {
    const offset = this.#packetEnd;
    this.#packetCc = (this.#packetCc + 1) & 0x0f;
    const fieldLength = PACKET_ROOM - Math.min(this.#left, PACKET_ROOM);
    this.#writeHeader(offset, false, fieldLength);
    if (fieldLength > 1) this.#out[offset + 5] = 0; // no flags, only stuffing
    this.#stuff(offset, Math.min(fieldLength, 2), fieldLength);
    this.#pos = offset + 4 + fieldLength;
    this.#packetEnd = offset + TS_PACKET_SIZE;
  }

  /** The 4-byte header and, when `fieldLength` > 0, the adaptation_field_length byte. */
  #writeHeader(offset: number, unitStart: boolean, fieldLength: number): void {
    const out = this.#out;
    out[offset] = 0x47;
    out[offset + 1] = (unitStart ? 0x40 : 0) | (this.pid >> 8);
    out[offset + 2] = this.pid & 0xff;
    out[offset + 3] = (fieldLength > 0 ? 0x30 : 0x10) | this.#packetCc;
    if (fieldLength > 0) out[offset + 4] = fieldLength - 1;
  }

  /** 0xFF from the end of the written part of the adaptation field (`written` bytes, its length byte included) to its end. */
  #stuff(offset: number, written: number, fieldLength: number): void {
    if (fieldLength > written) this.#out.fill(0xff, offset + 4 + written, offset + 4 + fieldLength);
  }
}

/** The 6-byte PCR: 33-bit base, 6 reserved bits, 9-bit extension (0). */
function writePcr(out: Buffer, offset: number, pcrBase: number): void {
  const base = wrapTimestamp(pcrBase);
  // Bit 32 needs a division: JavaScript bit operators only see 32 bits.
  const low = base % 2 ** 32;
  out[offset] = Math.floor(base / 2 ** 25) & 0xff;
  out[offset + 1] = (low >>> 17) & 0xff;
  out[offset + 2] = (low >>> 9) & 0xff;
  out[offset + 3] = (low >>> 1) & 0xff;
  out[offset + 4] = ((low & 1) << 7) | 0x7e; // reserved bits, extension high bit 0
  out[offset + 5] = 0;
}
