/**
 * CRC-32 with polynomial 0x04C11DB7 computed MSB first, without reflection or final XOR: the CRC
 * of Ogg pages (initial value 0) and of MPEG-TS PSI sections (initial value 0xFFFFFFFF).
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** The CRC of `data[start, end)` from `initial`, as an unsigned 32-bit integer. */
export function crc32Msb(data: Uint8Array, initial: number, start = 0, end = data.length): number {
  let crc = initial;
  for (let i = start; i < end; i++) crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ data[i]) & 0xff];
  return crc >>> 0;
}
