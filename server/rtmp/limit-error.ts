import type { LimitName } from '../metrics/limits';
import { RtmpProtocolError } from './protocol/errors';

/** A peer reached a bound of its connection and was dropped; `limit` names the bound in /metrics. */
export class RtmpLimitError extends Error {
  override readonly name = 'RtmpLimitError';

  constructor(
    readonly limit: LimitName,
    message: string,
  ) {
    super(message);
  }
}

/** The limit a connection's closing error stands for, if it is one (the chunk reader's budget speaks in protocol errors). */
export function limitReachedBy(error: Error | undefined): LimitName | undefined {
  if (error instanceof RtmpLimitError) return error.limit;
  if (error instanceof RtmpProtocolError && error.code === 'PARTIAL_MESSAGE_BYTES') return 'rtmp_partial_message_bytes';
  return undefined;
}
