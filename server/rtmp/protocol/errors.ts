/** Stable machine-readable reasons for {@link RtmpProtocolError}. */
export type RtmpProtocolErrorCode =
  | 'AMF_TRUNCATED'
  | 'AMF_BAD_TYPE'
  | 'AMF_TOO_DEEP'
  | 'AMF_UNENCODABLE'
  | 'HANDSHAKE_VERSION'
  | 'BAD_CHUNK_SIZE'
  | 'CHUNK_TOO_LARGE'
  | 'BAD_CHUNK_STREAM_ID'
  | 'BAD_CHUNK_HEADER'
  | 'MESSAGE_TOO_LARGE'
  | 'TOO_MANY_CHUNK_STREAMS'
  | 'TOO_MANY_PARTIAL_MESSAGES'
  | 'PARTIAL_MESSAGE_BYTES'
  | 'BAD_MESSAGE'
  | 'FLV_TRUNCATED'
  | 'FLV_BAD_HEADER'
  | 'FLV_BAD_VALUE';

/** A malformed, hostile or unsupported byte sequence; `offset` is the byte position in the input that was being decoded, when known. */
export class RtmpProtocolError extends Error {
  override readonly name = 'RtmpProtocolError';

  constructor(
    readonly code: RtmpProtocolErrorCode,
    message: string,
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
  }
}
