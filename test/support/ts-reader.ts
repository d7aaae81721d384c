/**
 * A small MPEG-TS reader (ISO/IEC 13818-1) for tests, written from the spec and independent of
 * the gateway's muxer: it checks sync bytes, continuity counters and PSI CRCs, parses PAT, PMT and
 * SDT, reassembles PESes and collects PCRs. Feed it bytes as they come (`push`: files, UDP
 * datagrams, SRT reads, cut anywhere), then read `summary()`.
 */

/** Bytes of a transport packet. */
export const TS_PACKET_BYTES = 188;
const SYNC_BYTE = 0x47;
const NULL_PID = 0x1fff;
const PAT_PID = 0x0000;
const SDT_PID = 0x0011;

/** One reassembled PES. */
export interface TsPes {
  readonly pid: number;
  readonly streamId: number;
  /** 90 kHz, 33 bits; undefined when the header has none. */
  readonly pts: number | undefined;
  /** 90 kHz, 33 bits; undefined when the header has none (the DTS is then the PTS). */
  readonly dts: number | undefined;
  /** PES_packet_length as written (0: unbounded). */
  readonly declaredLength: number;
  readonly dataAlignment: boolean;
  /** Elementary stream bytes after the PES header. */
  readonly payload: Buffer;
  /** random_access_indicator of the PES's first packet. */
  readonly randomAccess: boolean;
  /** PCR base (90 kHz) in the PES's first packet, if any. */
  readonly pcr: number | undefined;
  /** Index in the stream of the PES's first packet, and how many packets it took. */
  readonly packetIndex: number;
  readonly packetCount: number;
}

/** One PCR. */
export interface TsPcr {
  readonly pid: number;
  /** 90 kHz, 33 bits. */
  readonly base: number;
  /** 27 MHz remainder, 0..299. */
  readonly extension: number;
  /** Index in the stream of the packet carrying it. */
  readonly packetIndex: number;
  /** The packet carries no payload (an adaptation-field-only packet). */
  readonly alone: boolean;
  readonly discontinuity: boolean;
}

/** A program listed in the PAT. */
export interface TsPatEntry {
  readonly programNumber: number;
  readonly pmtPid: number;
}

/** The PMT of a program. */
export interface TsPmt {
  readonly programNumber: number;
  readonly pcrPid: number;
  readonly streams: ReadonlyArray<{ readonly streamType: number; readonly pid: number }>;
}

/** The first service of the SDT. */
export interface TsSdtService {
  readonly serviceId: number;
  readonly serviceType: number;
  readonly providerName: string;
  readonly serviceName: string;
}

/** What the reader has seen so far. */
export interface TsSummary {
  /** Whole packets read. */
  readonly packets: number;
  readonly packetsByPid: ReadonlyMap<number, number>;
  /** Continuity counter errors (a duplicate packet, allowed once, and a flagged discontinuity are not errors). */
  readonly ccErrors: number;
  /** The first few CC errors, described, for failure messages. */
  readonly ccErrorDetails: readonly string[];
  /** Times the sync byte was missing (the reader then scanned for the next one). */
  readonly syncErrors: number;
  /** PSI sections whose CRC-32 did not match. */
  readonly crcErrors: number;
  /** Packets or PESes breaking a structural rule (adaptation field length, PES start code, PES length, marker bits, TEI). */
  readonly malformed: number;
  readonly malformedDetails: readonly string[];
  /** Sections read, by table. */
  readonly patCount: number;
  readonly pmtCount: number;
  readonly sdtCount: number;
  /** The last PAT, PMTs by PID, and the SDT's service. */
  readonly pat: readonly TsPatEntry[] | undefined;
  readonly pmts: ReadonlyMap<number, TsPmt>;
  readonly sdt: TsSdtService | undefined;
  /** Complete PESes in stream order (empty when `keepPes` is false). */
  readonly pes: readonly TsPes[];
  readonly pcrs: readonly TsPcr[];
}

/** Options of `TsReader`. */
export interface TsReaderOptions {
  /** Called for each PES once complete (bounded ones at once, unbounded ones at the next start or `end()`). */
  readonly onPes?: (pes: TsPes) => void;
  /** Keep every PES in `summary().pes`; default true. */
  readonly keepPes?: boolean;
}

interface CcState {
  last: number;
  /** The previous packet was already a duplicate: a second one is an error. */
  duplicated: boolean;
}

interface PendingPes {
  readonly chunks: Buffer[];
  bytes: number;
  packetCount: number;
  readonly packetIndex: number;
  readonly randomAccess: boolean;
  readonly pcr: number | undefined;
}

/** See the file comment. */
export class TsReader {
  readonly #options: TsReaderOptions;
  #rest: Buffer = Buffer.alloc(0);
  #packets = 0;
  readonly #packetsByPid = new Map<number, number>();
  readonly #cc = new Map<number, CcState>();
  #ccErrors = 0;
  readonly #ccErrorDetails: string[] = [];
  #syncErrors = 0;
  #crcErrors = 0;
  #malformed = 0;
  readonly #malformedDetails: string[] = [];
  #patCount = 0;
  #pmtCount = 0;
  #sdtCount = 0;
  #pat: TsPatEntry[] | undefined;
  readonly #pmtPids = new Set<number>();
  readonly #pmts = new Map<number, TsPmt>();
  #sdt: TsSdtService | undefined;
  /** Section bytes gathered per PSI PID. */
  readonly #sections = new Map<number, Buffer>();
  readonly #pending = new Map<number, PendingPes>();
  readonly #pes: TsPes[] = [];
  readonly #pcrs: TsPcr[] = [];

  constructor(options: TsReaderOptions = {}) {
    this.#options = options;
  }

  /** Reads `chunk`; a packet cut at its end waits for the next chunk. */
  push(chunk: Buffer): void {
    const buf = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
    let at = 0;
    while (buf.length - at >= TS_PACKET_BYTES) {
      if (buf[at] !== SYNC_BYTE) {
        this.#syncErrors++;
        const next = buf.indexOf(SYNC_BYTE, at + 1);
        at = next === -1 ? buf.length : next;
        continue;
      }
      this.#packet(buf.subarray(at, at + TS_PACKET_BYTES));
      at += TS_PACKET_BYTES;
    }
    this.#rest = Buffer.from(buf.subarray(at));
  }

  /** Emits the PESes still open (an unbounded video PES ends only at the next one). */
  end(): void {
    for (const pid of [...this.#pending.keys()]) this.#flushPes(pid);
  }

  summary(): TsSummary {
    return {
      packets: this.#packets,
      packetsByPid: this.#packetsByPid,
      ccErrors: this.#ccErrors,
      ccErrorDetails: this.#ccErrorDetails,
      syncErrors: this.#syncErrors,
      crcErrors: this.#crcErrors,
      malformed: this.#malformed,
      malformedDetails: this.#malformedDetails,
      patCount: this.#patCount,
      pmtCount: this.#pmtCount,
      sdtCount: this.#sdtCount,
      pat: this.#pat,
      pmts: this.#pmts,
      sdt: this.#sdt,
      pes: this.#pes,
      pcrs: this.#pcrs,
    };
  }

  #packet(p: Buffer): void {
    const index = this.#packets++;
    const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
    this.#packetsByPid.set(pid, (this.#packetsByPid.get(pid) ?? 0) + 1);
    if (p[1]! & 0x80) this.#bad(`packet ${index} (PID ${pid}): transport_error_indicator set`);
    const unitStart = (p[1]! & 0x40) !== 0;
    const control = (p[3]! >> 4) & 0x3;
    const cc = p[3]! & 0x0f;
    if (control === 0) {
      this.#bad(`packet ${index} (PID ${pid}): reserved adaptation_field_control 00`);
      return;
    }
    const hasPayload = (control & 1) !== 0;
    let payloadStart = 4;
    let discontinuity = false;
    let randomAccess = false;
    let pcr: number | undefined;
    if (control & 2) {
      const length = p[4]!;
      // 2.4.3.5: 183 without payload, at most 182 with.
      if ((!hasPayload && length !== 183) || (hasPayload && length > 182)) {
        this.#bad(`packet ${index} (PID ${pid}): adaptation_field_length ${length} with${hasPayload ? '' : 'out'} payload`);
        return;
      }
      if (length > 0) {
        const flags = p[5]!;
        discontinuity = (flags & 0x80) !== 0;
        randomAccess = (flags & 0x40) !== 0;
        if (flags & 0x10) {
          if (length < 7) {
            this.#bad(`packet ${index} (PID ${pid}): PCR flag in a ${length}-byte adaptation field`);
            return;
          }
          const base = p[6]! * 2 ** 25 + ((p[7]! << 17) | (p[8]! << 9) | (p[9]! << 1) | (p[10]! >> 7));
          const extension = ((p[10]! & 1) << 8) | p[11]!;
          pcr = base;
          this.#pcrs.push({ pid, base, extension, packetIndex: index, alone: !hasPayload, discontinuity });
        }
      }
      payloadStart = 5 + length;
    }
    if (pid === NULL_PID) return;
    if (!this.#continuityOk(pid, cc, hasPayload, discontinuity, index)) {
      // A duplicate: its payload was already read.
      return;
    }
    if (!hasPayload) return;
    const payload = p.subarray(payloadStart);
    if (pid === PAT_PID || pid === SDT_PID || this.#pmtPids.has(pid)) this.#psiPayload(pid, payload, unitStart);
    else this.#pesPayload(pid, payload, unitStart, index, randomAccess, pcr);
  }

  /** Continuity rules (2.4.3.3); false only for a duplicate packet, whose payload must be dropped. */
  #continuityOk(pid: number, cc: number, hasPayload: boolean, discontinuity: boolean, index: number): boolean {
    const state = this.#cc.get(pid);
    if (state === undefined || discontinuity) {
      this.#cc.set(pid, { last: cc, duplicated: false });
      return true;
    }
    if (!hasPayload) {
      // Not incremented without payload.
      if (cc !== state.last) this.#ccError(`packet ${index} (PID ${pid}): CC ${cc} without payload, expected ${state.last}`);
      state.last = cc;
      return true;
    }
    const expected = (state.last + 1) & 0x0f;
    if (cc === expected) {
      state.last = cc;
      state.duplicated = false;
      return true;
    }
    if (cc === state.last && !state.duplicated) {
      state.duplicated = true;
      return false;
    }
    this.#ccError(`packet ${index} (PID ${pid}): CC ${cc}, expected ${expected}`);
    state.last = cc;
    state.duplicated = false;
    return true;
  }

  #psiPayload(pid: number, payload: Buffer, unitStart: boolean): void {
    let gathered = this.#sections.get(pid);
    if (unitStart) {
      const pointer = payload[0]!;
      // The bytes before the pointer end the section in progress, if any.
      if (gathered) this.#sectionBytes(pid, Buffer.concat([gathered, payload.subarray(1, 1 + pointer)]));
      this.#sections.delete(pid);
      this.#sectionBytes(pid, payload.subarray(1 + pointer));
      return;
    }
    if (gathered === undefined) return; // joined in the middle of a section
    gathered = Buffer.concat([gathered, payload]);
    this.#sections.delete(pid);
    this.#sectionBytes(pid, gathered);
  }

  /** Parses the complete sections at the start of `bytes`, keeps an incomplete last one. */
  #sectionBytes(pid: number, bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length && bytes[at] !== 0xff) {
      if (bytes.length - at < 3) break;
      const length = 3 + (((bytes[at + 1]! & 0x0f) << 8) | bytes[at + 2]!);
      if (bytes.length - at < length) break;
      this.#section(pid, bytes.subarray(at, at + length));
      at += length;
    }
    if (at < bytes.length && bytes[at] !== 0xff) this.#sections.set(pid, Buffer.from(bytes.subarray(at)));
  }

  #section(pid: number, s: Buffer): void {
    if (s.length < 12 || crc32(s) !== 0) {
      this.#crcErrors++;
      return;
    }
    const tableId = s[0]!;
    const end = s.length - 4;
    if (pid === PAT_PID && tableId === 0x00) {
      const entries: TsPatEntry[] = [];
      for (let at = 8; at + 4 <= end; at += 4) {
        const programNumber = s.readUInt16BE(at);
        const target = s.readUInt16BE(at + 2) & 0x1fff;
        if (programNumber === 0) continue; // network PID
        entries.push({ programNumber, pmtPid: target });
        this.#pmtPids.add(target);
      }
      this.#pat = entries;
      this.#patCount++;
    } else if (tableId === 0x02 && this.#pmtPids.has(pid)) {
      const programInfoLength = s.readUInt16BE(10) & 0x0fff;
      const streams: Array<{ streamType: number; pid: number }> = [];
      for (let at = 12 + programInfoLength; at + 5 <= end; ) {
        streams.push({ streamType: s[at]!, pid: s.readUInt16BE(at + 1) & 0x1fff });
        at += 5 + (s.readUInt16BE(at + 3) & 0x0fff);
      }
      this.#pmts.set(pid, { programNumber: s.readUInt16BE(3), pcrPid: s.readUInt16BE(8) & 0x1fff, streams });
      this.#pmtCount++;
    } else if (pid === SDT_PID && tableId === 0x42) {
      this.#sdtCount++;
      if (end < 16) return;
      const serviceId = s.readUInt16BE(11);
      const loopEnd = Math.min(end, 16 + (s.readUInt16BE(14) & 0x0fff));
      for (let at = 16; at + 2 <= loopEnd; at += 2 + s[at + 1]!) {
        if (s[at] !== 0x48) continue; // service_descriptor
        const providerLength = s[at + 3]!;
        const nameLength = s[at + 4 + providerLength]!;
        this.#sdt = {
          serviceId,
          serviceType: s[at + 2]!,
          providerName: s.toString('latin1', at + 4, at + 4 + providerLength),
          serviceName: s.toString('latin1', at + 5 + providerLength, at + 5 + providerLength + nameLength),
        };
      }
    }
  }

  #pesPayload(pid: number, payload: Buffer, unitStart: boolean, index: number, randomAccess: boolean, pcr: number | undefined): void {
    if (unitStart) {
      this.#flushPes(pid);
      this.#pending.set(pid, { chunks: [Buffer.from(payload)], bytes: payload.length, packetCount: 1, packetIndex: index, randomAccess, pcr });
    } else {
      const pending = this.#pending.get(pid);
      if (!pending) return; // joined in the middle of a PES
      pending.chunks.push(Buffer.from(payload));
      pending.bytes += payload.length;
      pending.packetCount++;
    }
    const pending = this.#pending.get(pid)!;
    // A bounded PES is complete once its declared length has come.
    const first = pending.chunks[0]!;
    if (first.length >= 6) {
      const declared = first.readUInt16BE(4);
      if (declared > 0 && pending.bytes >= 6 + declared) this.#flushPes(pid);
    }
  }

  #flushPes(pid: number): void {
    const pending = this.#pending.get(pid);
    if (!pending) return;
    this.#pending.delete(pid);
    const data = Buffer.concat(pending.chunks);
    const where = `PES at packet ${pending.packetIndex} (PID ${pid})`;
    if (data.length < 9 || data[0] !== 0 || data[1] !== 0 || data[2] !== 1) {
      this.#bad(`${where}: no packet_start_code_prefix`);
      return;
    }
    const streamId = data[3]!;
    const declaredLength = data.readUInt16BE(4);
    if (declaredLength > 0 && data.length !== 6 + declaredLength) {
      this.#bad(`${where}: PES_packet_length ${declaredLength} but ${data.length - 6} bytes follow it`);
    }
    if ((data[6]! & 0xc0) !== 0x80) {
      this.#bad(`${where}: optional header does not start with '10'`);
      return;
    }
    const flags = data[7]! >> 6;
    const headerDataLength = data[8]!;
    let pts: number | undefined;
    let dts: number | undefined;
    if (flags === 1) this.#bad(`${where}: forbidden PTS_DTS_flags 01`);
    if (flags & 2) pts = this.#timestamp(data, 9, flags === 3 ? 0x3 : 0x2, where);
    if (flags === 3) dts = this.#timestamp(data, 14, 0x1, where);
    const pes: TsPes = {
      pid,
      streamId,
      pts,
      dts,
      declaredLength,
      dataAlignment: (data[6]! & 0x04) !== 0,
      payload: data.subarray(9 + headerDataLength),
      randomAccess: pending.randomAccess,
      pcr: pending.pcr,
      packetIndex: pending.packetIndex,
      packetCount: pending.packetCount,
    };
    if (this.#options.keepPes ?? true) this.#pes.push(pes);
    this.#options.onPes?.(pes);
  }

  /** A 33-bit PTS or DTS, checking its 4-bit prefix and marker bits. */
  #timestamp(data: Buffer, at: number, prefix: number, where: string): number {
    const b = data.subarray(at, at + 5);
    if (b[0]! >> 4 !== prefix || (b[0]! & 1) === 0 || (b[2]! & 1) === 0 || (b[4]! & 1) === 0) {
      this.#bad(`${where}: bad prefix or marker bits in a timestamp`);
    }
    return ((b[0]! >> 1) & 0x07) * 2 ** 30 + ((b[1]! << 7) | (b[2]! >> 1)) * 2 ** 15 + ((b[3]! << 7) | (b[4]! >> 1));
  }

  #ccError(detail: string): void {
    this.#ccErrors++;
    if (this.#ccErrorDetails.length < 10) this.#ccErrorDetails.push(detail);
  }

  #bad(detail: string): void {
    this.#malformed++;
    if (this.#malformedDetails.length < 10) this.#malformedDetails.push(detail);
  }
}

/** CRC-32/MPEG-2, bit by bit (polynomial 0x04C11DB7, initial 0xFFFFFFFF, no reflection, no final XOR). */
function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}
