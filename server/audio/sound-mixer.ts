import type { CodecPool } from '../codec/codec-pool';
import type { CodecSession } from '../codec/codec-session';
import { TypedEmitter } from '../events/typed-emitter';
import type { AacParams } from '../hub/track';
import type { SoundClip } from './sound-clip';

/** Rate of the sound clips fed to the mixer (they are decoded to 48 kHz stereo). */
const CLIP_RATE = 48000;

/** Options of a SoundMixer. */
export interface SoundMixerOptions {
  pool: CodecPool;
  bitrateBps: number;
  /** The push's audio track: the mixed AAC keeps exactly this configuration. */
  audio: AacParams;
  clip: SoundClip;
  loop: boolean;
}

/** Events of a SoundMixer. */
export type SoundMixerEvents = {
  /** A mixed AAC frame for the output slot whose timestamp is `ts`. */
  frame: [ts: number, data: Buffer];
  /** The clip reached its end (not looping). Inputs are closed; remaining frames still follow. */
  'clip-ended': [];
  /** The mixer has delivered its last frame (after finish() or a failure). */
  done: [error: string | undefined];
};

/**
 * Mixes a sound clip over one push's audio, in a codec session that lives only while the sound
 * plays: for each of the push's AAC frames (microphone or silence), the clip samples of the same
 * duration go along, so the worker pairs them exactly. Each mixed frame comes back stamped with
 * the timestamp of the input frame it replaces; finish() drains the encoder, so no slot is lost.
 */
export class SoundMixer extends TypedEmitter<SoundMixerEvents> {
  readonly #session: CodecSession;
  readonly #options: SoundMixerOptions;
  #clipPosition = 0;
  /** Fractional clip samples owed to the next frame (source rate ≠ 48 kHz). */
  #clipCarry = 0;
  #finished = false;
  #done = false;

  constructor(options: SoundMixerOptions) {
    super();
    this.#options = options;
    const { sampleRate, channels, config } = options.audio;
    this.#session = options.pool.open({ kind: 'aac-mix', bitrateBps: options.bitrateBps, sampleRate, channels, audioSpecificConfig: config });
    this.#session.on('output', (output) => this.emit('frame', output.pts, output.data));
    this.#session.on('drained', () => this.#end(undefined));
    this.#session.on('failed', (reason) => this.#end(`sound mixer failed: ${reason}`));
  }

  /** True once the inputs are closed: the mixer only drains now. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Feeds one frame of the push's audio (raw AAC) due at output time `ts`, with the clip's next samples. */
  push(ts: number, aac: Buffer): void {
    if (this.#finished) return;
    const wanted = (1024 * CLIP_RATE) / this.#options.audio.sampleRate + this.#clipCarry;
    const samples = Math.floor(wanted);
    this.#clipCarry = wanted - samples;
    this.#session.push(ts, aac, this.#takeClip(samples));
  }

  /** Stops feeding: frames already fed still come out, then 'done'. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#session.drain();
  }

  /** Ends the mixer at once, dropping what it holds; 'done' follows with an error. */
  kill(): void {
    this.#finished = true;
    this.#session.close();
    queueMicrotask(() => this.#end('the sound mixer was stopped'));
  }

  #end(error: string | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.#finished = true;
    this.emit('done', error);
  }

  /** The next `count` stereo samples of the clip (looping or padded with silence), as s16le bytes. */
  #takeClip(count: number): Buffer {
    const { samples } = this.#options.clip;
    const frames = samples.length / 2;
    const out = new Int16Array(count * 2);
    let written = 0;
    while (written < count && this.#clipPosition < frames) {
      const n = Math.min(count - written, frames - this.#clipPosition);
      out.set(samples.subarray(this.#clipPosition * 2, (this.#clipPosition + n) * 2), written * 2);
      written += n;
      this.#clipPosition += n;
      if (this.#clipPosition >= frames && this.#options.loop) this.#clipPosition = 0;
    }
    if (this.#clipPosition >= frames && !this.#options.loop && !this.#finished) {
      // Let this last chunk go out first; the owner finishes the mixer on this event.
      queueMicrotask(() => this.emit('clip-ended'));
    }
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }
}
