/** Size of the IVF file header, bytes. */
export const IVF_FILE_HEADER_LENGTH = 32;
/** Size of each IVF frame header, bytes. */
export const IVF_FRAME_HEADER_LENGTH = 12;

/** What the IVF file header announces. */
export interface IvfFileHeaderFields {
  /** Pixels. */
  readonly width: number;
  readonly height: number;
  /** Frame timestamps count 1/timebaseDenominator seconds: 90000 for RTP video timestamps, 1000 for ms. Default 90000. */
  readonly timebaseDenominator?: number;
  /** Frame count; 0 when unknown (a live pipe). Default 0. */
  readonly frameCount?: number;
  /** Four-character codec code. Default 'VP80'. */
  readonly fourcc?: string;
}

/** The 32-byte IVF file header (little-endian, as libvpx writes it). */
export function ivfFileHeader(fields: IvfFileHeaderFields): Buffer {
  const header = Buffer.alloc(IVF_FILE_HEADER_LENGTH);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(0, 4); // version
  header.writeUInt16LE(IVF_FILE_HEADER_LENGTH, 6);
  header.write((fields.fourcc ?? 'VP80').padEnd(4).slice(0, 4), 8, 'latin1');
  header.writeUInt16LE(fields.width, 12);
  header.writeUInt16LE(fields.height, 14);
  header.writeUInt32LE(fields.timebaseDenominator ?? 90000, 16); // time base = numerator / denominator
  header.writeUInt32LE(1, 20);
  header.writeUInt32LE(fields.frameCount ?? 0, 24);
  return header;
}

/**
 * The 12-byte header to write before each frame: its size (bytes) and timestamp (in the file's
 * time base; RTP timestamps must be unwrapped past 2^32 by the caller).
 */
export function ivfFrameHeader(frameSize: number, timestamp: number): Buffer {
  const header = Buffer.allocUnsafe(IVF_FRAME_HEADER_LENGTH);
  header.writeUInt32LE(frameSize, 0);
  header.writeBigUInt64LE(BigInt(timestamp), 4);
  return header;
}
