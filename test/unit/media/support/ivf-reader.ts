/** One frame of an IVF file. */
export interface IvfFrame {
  readonly timestamp: number;
  readonly data: Buffer;
}

/** Reads the frames of an IVF file (as ffmpeg/libvpx write it). */
export function readIvf(file: Buffer): { width: number; height: number; frames: IvfFrame[] } {
  if (file.toString('latin1', 0, 4) !== 'DKIF') throw new Error('not an IVF file');
  const frames: IvfFrame[] = [];
  for (let offset = file.readUInt16LE(6); offset + 12 <= file.length; ) {
    const size = file.readUInt32LE(offset);
    frames.push({ timestamp: Number(file.readBigUInt64LE(offset + 4)), data: file.subarray(offset + 12, offset + 12 + size) });
    offset += 12 + size;
  }
  return { width: file.readUInt16LE(12), height: file.readUInt16LE(14), frames };
}
