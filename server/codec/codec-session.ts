import { TypedEmitter } from '../events/typed-emitter';
import type { CodecOutput } from './protocol';

/** An output of a session, its bytes as a Buffer. */
export type SessionOutput = CodecOutput & { readonly data: Buffer };

/** Events of a CodecSession. */
export type CodecSessionEvents = {
  output: [output: SessionOutput];
  /** vp8-to-h264: the encoder's SPS and PPS, before its first frame and when they change. */
  parameters: [sps: Buffer, pps: Buffer];
  /**
   * The session is over: its codec failed, or its worker ended (`workerLost`, e.g. a native
   * crash). Open a new session to go on; after a lost worker it can be opened at once.
   */
  failed: [reason: string, workerLost: boolean];
  /** After drain(): every output has been emitted; the session is over. */
  drained: [];
};

/** How a session reaches its worker (the pool's side of it). */
export interface SessionLink {
  /** Hands the input to the worker, or drops it (and counts it) when the worker is behind. */
  input(session: number, pts: number, data: Uint8Array, clip: Uint8Array | undefined): void;
  drain(session: number): void;
  close(session: number): void;
}

/**
 * One codec session (an Opus→AAC transcode, a sound mix, a VP8→H.264 transcode) as its owner sees
 * it: inputs in, outputs as events, wherever the pool placed it.
 */
export class CodecSession extends TypedEmitter<CodecSessionEvents> {
  readonly id: number;
  readonly #link: SessionLink;
  #ended = false;
  #draining = false;

  constructor(id: number, link: SessionLink) {
    super();
    this.id = id;
    this.#link = link;
  }

  /** One input; see CodecInput for what `pts`, `data` and `clip` mean per kind. */
  push(pts: number, data: Uint8Array, clip?: Uint8Array): void {
    if (this.#ended || this.#draining) return;
    this.#link.input(this.id, pts, data, clip);
  }

  /**
   * Ends the input: what the codec still holds comes out as `output` events, then `drained`
   * (or `failed`, if the worker is lost meanwhile). Idempotent.
   */
  drain(): void {
    if (this.#ended || this.#draining) return;
    this.#draining = true;
    this.#link.drain(this.id);
  }

  /** Ends the session at once; no more events. Idempotent. */
  close(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#link.close(this.id);
  }

  /** The pool hands over an output of the worker. */
  receiveOutput(output: SessionOutput): void {
    if (!this.#ended) this.emit('output', output);
  }

  /** The pool hands over the encoder's parameters. */
  receiveParameters(sps: Buffer, pps: Buffer): void {
    if (!this.#ended) this.emit('parameters', sps, pps);
  }

  /** The pool's report that a drain is complete. */
  receiveDrained(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.emit('drained');
  }

  /** The pool's report that the session is over. */
  fail(reason: string, workerLost: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.emit('failed', reason, workerLost);
  }
}
