const EMULATION_PREVENTION = Buffer.from([0, 0, 3]);

/**
 * Removes emulation prevention bytes (the 0x03 in 0x00 0x00 0x03, H.264 7.4.1) from a NAL unit,
 * giving its RBSP. Returns the input itself when there is nothing to remove.
 */
export function removeEmulationPrevention(nal: Buffer): Buffer {
  let found = nal.indexOf(EMULATION_PREVENTION);
  if (found === -1) return nal;
  const chunks: Buffer[] = [];
  let chunkStart = 0;
  while (found !== -1) {
    // Keep the two zeros, drop the 0x03; the byte after it may start a new 00 00 03.
    chunks.push(nal.subarray(chunkStart, found + 2));
    chunkStart = found + 3;
    found = nal.indexOf(EMULATION_PREVENTION, chunkStart);
  }
  chunks.push(nal.subarray(chunkStart));
  return Buffer.concat(chunks);
}
