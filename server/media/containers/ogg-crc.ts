import { crc32Msb } from './crc32-msb';

/** Ogg page checksum of `data` (computed with the page's CRC field zeroed): RFC 3533 6, initial value 0. */
export function oggCrc32(data: Uint8Array): number {
  return crc32Msb(data, 0);
}
