import { crc32Msb } from '../crc32-msb';

/**
 * CRC-32/MPEG-2 (ISO/IEC 13818-1 Annex A) of `data[start, end)` (default: all of it): initial value
 * 0xFFFFFFFF. It ends every PSI section; running it over a whole section, CRC included, gives 0.
 */
export function crc32Mpeg2(data: Uint8Array, start = 0, end = data.length): number {
  return crc32Msb(data, 0xffffffff, start, end);
}
