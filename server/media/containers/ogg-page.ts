import { oggCrc32 } from './ogg-crc';
import { OggFormatError } from './ogg-format-error';

/** header_type flags of an Ogg page (RFC 3533 6). */
export const OggPageFlag = {
  CONTINUED: 0x01,
  BEGINNING_OF_STREAM: 0x02,
  END_OF_STREAM: 0x04,
} as const;

/** Fixed part of an Ogg page header (before the segment table), bytes. */
export const OGG_PAGE_HEADER_LENGTH = 27;

/** Largest packet `buildOggPage` puts on one page: 255 lacing values (254 × 255 + 254), bytes. */
export const OGG_MAX_PACKET_ON_PAGE = 255 * 255 - 1;

/** What goes into the header of one Ogg page. */
export interface OggPageFields {
  /** OggPageFlag bits. */
  readonly flags: number;
  /** Codec-defined position at the end of the page (48 kHz samples for Opus); -1n when no packet ends here. */
  readonly granulePosition: bigint;
  readonly serial: number;
  readonly sequence: number;
}

/**
 * Builds one Ogg page holding one whole packet (at most OGG_MAX_PACKET_ON_PAGE bytes), with its CRC.
 * Throws OggFormatError PACKET_TOO_LARGE for a bigger packet.
 */
export function buildOggPage(fields: OggPageFields, packet: Buffer): Buffer {
  if (packet.length > OGG_MAX_PACKET_ON_PAGE) {
    throw new OggFormatError('PACKET_TOO_LARGE', `packet of ${packet.length} bytes does not fit one Ogg page`);
  }
  // Lacing: as many 255s as fit, then the remainder (0..254) which marks the end of the packet.
  const segments = Math.floor(packet.length / 255) + 1;
  const headerLength = OGG_PAGE_HEADER_LENGTH + segments;
  const page = Buffer.alloc(headerLength + packet.length);
  page.write('OggS', 0, 'latin1');
  page[4] = 0; // stream_structure_version
  page[5] = fields.flags;
  page.writeBigInt64LE(fields.granulePosition, 6);
  page.writeUInt32LE(fields.serial >>> 0, 14);
  page.writeUInt32LE(fields.sequence >>> 0, 18);
  // bytes 22..25 (CRC) stay zero until the checksum is computed
  page[26] = segments;
  page.fill(255, OGG_PAGE_HEADER_LENGTH, headerLength - 1);
  page[headerLength - 1] = packet.length % 255;
  packet.copy(page, headerLength);
  page.writeUInt32LE(oggCrc32(page), 22);
  return page;
}
