import { oggCrc32 } from './ogg-crc';
import { OggFormatError } from './ogg-format-error';
import { OGG_PAGE_HEADER_LENGTH, OggPageFlag } from './ogg-page';

/** One Ogg page as read from a stream. */
export interface OggPage {
  /** OggPageFlag bits. */
  readonly flags: number;
  readonly granulePosition: bigint;
  readonly serial: number;
  readonly sequence: number;
  /** Lacing values of the segment table. */
  readonly lacing: readonly number[];
  /** Page body, a view of the input. */
  readonly body: Buffer;
}

/** A packet reassembled from one or more pages. */
export interface OggPacket {
  readonly data: Buffer;
  /** Granule position of the page on which the packet ends. */
  readonly granulePosition: bigint;
  readonly serial: number;
}

/**
 * Parses a complete Ogg stream into pages, checking each CRC. Throws OggFormatError
 * BAD_CAPTURE_PATTERN, BAD_VERSION, PAGE_TRUNCATED or BAD_CRC.
 */
export function readOggPages(stream: Buffer): OggPage[] {
  const pages: OggPage[] = [];
  let offset = 0;
  while (offset < stream.length) {
    if (stream.length - offset < OGG_PAGE_HEADER_LENGTH) {
      throw new OggFormatError('PAGE_TRUNCATED', `Ogg page header at byte ${offset} is cut off`);
    }
    if (stream.toString('latin1', offset, offset + 4) !== 'OggS') {
      throw new OggFormatError('BAD_CAPTURE_PATTERN', `no OggS capture pattern at byte ${offset}`);
    }
    if (stream[offset + 4] !== 0) throw new OggFormatError('BAD_VERSION', `Ogg stream structure version ${stream[offset + 4]}`);
    const segments = stream[offset + 26];
    const bodyStart = offset + OGG_PAGE_HEADER_LENGTH + segments;
    if (bodyStart > stream.length) throw new OggFormatError('PAGE_TRUNCATED', `Ogg segment table at byte ${offset} is cut off`);
    const lacing = [...stream.subarray(offset + OGG_PAGE_HEADER_LENGTH, bodyStart)];
    const bodyEnd = bodyStart + lacing.reduce((sum, value) => sum + value, 0);
    if (bodyEnd > stream.length) throw new OggFormatError('PAGE_TRUNCATED', `Ogg page body at byte ${offset} is cut off`);
    const page = Buffer.from(stream.subarray(offset, bodyEnd));
    const storedCrc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    if (oggCrc32(page) !== storedCrc) throw new OggFormatError('BAD_CRC', `Ogg page at byte ${offset} fails its CRC`);
    pages.push({
      flags: stream[offset + 5],
      granulePosition: stream.readBigInt64LE(offset + 6),
      serial: stream.readUInt32LE(offset + 14),
      sequence: stream.readUInt32LE(offset + 18),
      lacing,
      body: stream.subarray(bodyStart, bodyEnd),
    });
    offset = bodyEnd;
  }
  return pages;
}

/** Reassembles the packets of the pages (one logical stream), following continued packets across pages. */
export function oggPackets(pages: readonly OggPage[]): OggPacket[] {
  const packets: OggPacket[] = [];
  let pieces: Buffer[] = [];
  for (const page of pages) {
    // A page not flagged as continuing drops any unfinished packet of the previous page.
    if ((page.flags & OggPageFlag.CONTINUED) === 0) pieces = [];
    let offset = 0;
    let segmentStart = 0;
    for (const value of page.lacing) {
      offset += value;
      if (value < 255) {
        pieces.push(page.body.subarray(segmentStart, offset));
        packets.push({ data: Buffer.concat(pieces), granulePosition: page.granulePosition, serial: page.serial });
        pieces = [];
        segmentStart = offset;
      }
    }
    if (segmentStart < offset) pieces.push(page.body.subarray(segmentStart, offset));
  }
  return packets;
}
