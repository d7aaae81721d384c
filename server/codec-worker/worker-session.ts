import type { CodecInput, CodecOutput } from '../codec/protocol';

/** Where a session puts what one input produced. */
export interface SessionOutputs {
  output(output: Omit<CodecOutput, 'session'>): void;
  /** vp8-to-h264: the encoder's SPS and PPS, before its first frame and when they change. */
  parameters(sps: Uint8Array, pps: Uint8Array): void;
}

/** One codec session inside a worker: its decoder, encoder and state, for one stream or push. */
export interface WorkerSession {
  /**
   * Handles one input. Throws an InputRefusedError when validation refuses the input before it
   * reaches native code (the session goes on); any other error ends the session.
   */
  push(input: CodecInput, outputs: SessionOutputs): void;
  /** The input has ended: hands over what the encoder still holds. Sessions without a flush omit it. */
  drain?(outputs: SessionOutputs): void;
  /** Frees the native contexts. Idempotent. */
  close(): void;
}

/** An input refused by validation: it never reached FFmpeg. */
export class InputRefusedError extends Error {
  override readonly name = 'InputRefusedError';
}
