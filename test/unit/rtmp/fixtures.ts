/**
 * Bytes captured from `ffmpeg -f flv rtmp://127.0.0.1:19399/live/stream` (FFmpeg 5.1) right
 * after the handshake: its `connect` command, chunked at the default 128-byte chunk size
 * (type 0 header on chunk stream 3, 128 payload bytes, then a type 3 header and 12 more).
 */
export const FFMPEG_CONNECT_CHUNKS = Buffer.from(
  '0300000000008c1400000000020007636f6e6e656374003ff00000000000000300036170700200046c69766500047479706502000a6e6f6e70726976617465' +
    '0008666c617368566572020024464d4c452f332e302028636f6d70617469626c653b204c61766635392e32372e313030290005746355726c02001b72746d70' +
    '3a2f2f3132372e302e302e313a31c3393339392f6c697665000009',
  'hex',
);

/** The AMF0 payload of that connect command (the 140 message bytes without chunk headers). */
export const FFMPEG_CONNECT_PAYLOAD = Buffer.concat([FFMPEG_CONNECT_CHUNKS.subarray(12, 140), FFMPEG_CONNECT_CHUNKS.subarray(141)]);

/** Splits bytes at the given offsets, to feed incremental parsers arbitrary slices. */
export function splitAt(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (const offset of offsets) {
    parts.push(bytes.subarray(start, offset));
    start = offset;
  }
  parts.push(bytes.subarray(start));
  return parts;
}
