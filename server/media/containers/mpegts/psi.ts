import { crc32Mpeg2 } from './crc32-mpeg2';

/** Size of a transport stream packet, bytes. */
export const TS_PACKET_SIZE = 188;
/** PID of the Program Association Table. */
export const PAT_PID = 0x0000;
/** PID of the Service Description Table (DVB, EN 300 468). */
export const SDT_PID = 0x0011;

/** stream_type of H.264 video in a PMT (ISO/IEC 13818-1 Table 2-34). */
export const STREAM_TYPE_H264 = 0x1b;
/** stream_type of AAC audio in ADTS framing (ISO/IEC 13818-7). */
export const STREAM_TYPE_AAC_ADTS = 0x0f;

/** One elementary stream listed in a PMT. */
export interface PmtStream {
  readonly streamType: number;
  readonly pid: number;
}

/** The single program of the stream: what the PAT points to and the PMT lists. */
export interface TsProgram {
  readonly transportStreamId: number;
  readonly programNumber: number;
  readonly pmtPid: number;
  /** PID whose adaptation fields carry the PCR. */
  readonly pcrPid: number;
  readonly streams: readonly PmtStream[];
}

/** How the SDT names the program's service. */
export interface TsService {
  /** original_network_id; 0xFF01 as ffmpeg writes (a private range). */
  readonly originalNetworkId: number;
  /** service_type: 0x01 digital television, 0x02 digital radio sound. */
  readonly serviceType: number;
  readonly providerName: string;
  readonly serviceName: string;
}

/** table_id values. */
const TABLE_PAT = 0x00;
const TABLE_PMT = 0x02;
const TABLE_SDT_ACTUAL = 0x42;
/** service_descriptor tag (EN 300 468 6.2.33). */
const SERVICE_DESCRIPTOR = 0x48;
/** Bytes of a packet a section can use: the 4-byte header and the pointer_field come first. */
const SECTION_ROOM = TS_PACKET_SIZE - 5;

/** The PAT: program `programNumber` → its PMT PID. */
export function patSection(program: TsProgram): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt16BE(program.programNumber, 0);
  body.writeUInt16BE(0xe000 | program.pmtPid, 2);
  return section(TABLE_PAT, 0xb0, program.transportStreamId, body);
}

/** The PMT of the program: PCR PID, then each stream's type and PID, no descriptors. */
export function pmtSection(program: TsProgram): Buffer {
  const body = Buffer.alloc(4 + 5 * program.streams.length);
  body.writeUInt16BE(0xe000 | program.pcrPid, 0);
  body.writeUInt16BE(0xf000, 2); // program_info_length 0
  program.streams.forEach((stream, i) => {
    body[4 + 5 * i] = stream.streamType;
    body.writeUInt16BE(0xe000 | stream.pid, 5 + 5 * i);
    body.writeUInt16BE(0xf000, 7 + 5 * i); // ES_info_length 0
  });
  return section(TABLE_PMT, 0xb0, program.programNumber, body);
}

/** The SDT (actual transport stream) with one running service, named so players can show it. */
export function sdtSection(program: TsProgram, service: TsService): Buffer {
  const provider = Buffer.from(service.providerName, 'latin1');
  const name = Buffer.from(service.serviceName, 'latin1');
  const descriptorLength = 3 + provider.length + name.length;
  const body = Buffer.alloc(3 + 5 + 2 + descriptorLength);
  body.writeUInt16BE(service.originalNetworkId, 0);
  body[2] = 0xff; // reserved_future_use
  body.writeUInt16BE(program.programNumber, 3); // service_id
  body[5] = 0xfc; // reserved, no EIT schedule, no EIT present/following
  body.writeUInt16BE((4 << 13) | (2 + descriptorLength), 6); // running_status 4 (running), not scrambled
  body[8] = SERVICE_DESCRIPTOR;
  body[9] = descriptorLength;
  body[10] = service.serviceType;
  body[11] = provider.length;
  provider.copy(body, 12);
  body[12 + provider.length] = name.length;
  name.copy(body, 13 + provider.length);
  // The SDT's private_indicator and reserved bits are all 1 (0xF0), where PAT/PMT have '0' (0xB0).
  return section(TABLE_SDT_ACTUAL, 0xf0, program.transportStreamId, body);
}

/**
 * One whole 188-byte packet carrying `sectionBytes` (which must fit): payload_unit_start set,
 * pointer_field 0, then 0xFF filling the rest, as PSI is padded (2.4.4.1). Continuity counter 0.
 */
export function psiPacket(pid: number, sectionBytes: Buffer): Buffer {
  if (sectionBytes.length > SECTION_ROOM) throw new RangeError(`a ${sectionBytes.length}-byte section does not fit one TS packet`);
  const packet = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  packet[0] = 0x47;
  packet[1] = 0x40 | (pid >> 8);
  packet[2] = pid & 0xff;
  packet[3] = 0x10; // payload only, CC 0
  packet[4] = 0; // pointer_field
  sectionBytes.copy(packet, 5);
  return packet;
}

/**
 * The PSI packets of a program (PAT, PMT, and the SDT when a service is given), built once and
 * copied before keyframes and every 100 ms. They are always written together, so one continuity
 * counter serves every PSI PID.
 */
export class PsiWriter {
  readonly #packets: Buffer;
  #cc = 0;

  constructor(program: TsProgram, service?: TsService) {
    const packets = [psiPacket(PAT_PID, patSection(program)), psiPacket(program.pmtPid, pmtSection(program))];
    if (service) packets.push(psiPacket(SDT_PID, sdtSection(program, service)));
    this.#packets = Buffer.concat(packets);
  }

  /** Bytes `write` puts out. */
  get size(): number {
    return this.#packets.length;
  }

  /** Copies the PSI packets into `out` at `offset` with the next continuity counter; returns the offset after them. */
  write(out: Buffer, offset: number): number {
    this.#packets.copy(out, offset);
    for (let at = offset; at < offset + this.#packets.length; at += TS_PACKET_SIZE) out[at + 3] = 0x10 | this.#cc;
    this.#cc = (this.#cc + 1) & 0x0f;
    return offset + this.#packets.length;
  }
}

/**
 * A long-form section (2.4.4): table_id, flags + section_length, the 16-bit id, version 0 /
 * current, section 0 of 0, `body`, CRC-32.
 */
function section(tableId: number, flags: number, idExtension: number, body: Buffer): Buffer {
  const sectionLength = 5 + body.length + 4;
  const out = Buffer.alloc(3 + sectionLength);
  out[0] = tableId;
  out.writeUInt16BE((flags << 8) | sectionLength, 1);
  out.writeUInt16BE(idExtension, 3);
  out[5] = 0xc1; // reserved 11, version_number 0, current_next_indicator 1
  out[6] = 0; // section_number
  out[7] = 0; // last_section_number
  body.copy(out, 8);
  out.writeUInt32BE(crc32Mpeg2(out, 0, out.length - 4), out.length - 4);
  return out;
}
