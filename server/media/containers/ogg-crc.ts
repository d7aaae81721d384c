/** CRC-32 of Ogg (RFC 3533 6): polynomial 0x04C11DB7, MSB first, initial value 0, no final XOR. */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** Ogg page checksum of `data` (computed with the page's CRC field zeroed). */
export function oggCrc32(data: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < data.length; i++) crc = (crc << 8) ^ TABLE[(crc >>> 24) ^ data[i]];
  return crc >>> 0;
}
