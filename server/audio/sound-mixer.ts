import { TypedEmitter } from '../events/typed-emitter';
import type { AacParams } from '../hub/track';
import { AdtsParser } from '../media/aac/adts-parser';
import { buildAdtsHeader } from '../media/aac/adts-header';
import { parseAudioSpecificConfig } from '../media/aac/audio-specific-config';
import { FfmpegProcess } from '../transcode/ffmpeg-process';
import type { SoundClip } from './sound-clip';

/** Rate of the sound clips fed to the mixer (they are decoded to 48 kHz stereo). */
const CLIP_RATE = 48000;

/** Options of a SoundMixer. */
export interface SoundMixerOptions {
  ffmpegPath: string;
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
  /** The mixer has delivered its last frame and exited (after finish() or a failure). */
  done: [error: string | undefined];
};

/**
 * Mixes a sound clip over one push's audio, in one ffmpeg that lives only while the sound plays:
 * the push's AAC frames (microphone or silence) go in as ADTS on stdin, the clip as PCM on fd 3,
 * fed in lockstep — for each AAC frame, the clip samples of the same duration — so `amix` pairs
 * them exactly. The mixed AAC comes back one frame per input frame (after the encoder's priming
 * frame), and each is stamped with the timestamp of the input frame it replaces.
 */
export class SoundMixer extends TypedEmitter<SoundMixerEvents> {
  readonly #process: FfmpegProcess;
  readonly #adtsParser = new AdtsParser();
  readonly #options: SoundMixerOptions;
  readonly #objectType: number;
  /** Timestamps of the frames fed and not yet returned, oldest first. */
  readonly #pending: number[] = [];
  #outputIndex = 0;
  #clipPosition = 0;
  /** Fractional clip samples owed to the next frame (source rate ≠ 48 kHz). */
  #clipCarry = 0;
  #finished = false;

  constructor(options: SoundMixerOptions) {
    super();
    this.#options = options;
    this.#objectType = parseAudioSpecificConfig(options.audio.config).objectType;
    const { sampleRate, channels } = options.audio;
    this.#process = new FfmpegProcess({
      ffmpegPath: options.ffmpegPath,
      extraInputPipes: 1,
      args: [
        '-probesize', '32', '-analyzeduration', '0', '-f', 'aac', '-i', 'pipe:0',
        '-f', 's16le', '-ar', String(CLIP_RATE), '-ac', '2', '-i', 'pipe:3',
        '-filter_complex', '[0:a][1:a]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mixed]',
        '-map', '[mixed]', '-c:a', 'aac', '-b:a', String(options.bitrateBps), '-ar', String(sampleRate), '-ac', String(channels),
        '-flush_packets', '1', '-f', 'adts', 'pipe:1',
      ],
    });
    this.#process.stdout.on('data', (chunk: Buffer) => this.#onOutput(chunk));
    this.#process.on('exit', (code, signal, stderr) => {
      const failed = code !== 0 && !(this.#finished && signal !== null);
      this.emit('done', failed ? `mixer ffmpeg exited (${code ?? signal}): ${stderr || 'no message'}` : undefined);
    });
  }

  /** True once the inputs are closed: the mixer only drains now. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Feeds one frame of the push's audio (raw AAC) due at output time `ts`, with the clip's next samples. */
  push(ts: number, aac: Buffer): void {
    if (this.#finished) return;
    const { sampleRate, channels } = this.#options.audio;
    this.#pending.push(ts);
    this.#process.stdin.write(Buffer.concat([buildAdtsHeader(this.#objectType, sampleRate, channels, aac.length), aac]));
    const wanted = (1024 * CLIP_RATE) / sampleRate + this.#clipCarry;
    const samples = Math.floor(wanted);
    this.#clipCarry = wanted - samples;
    this.#process.inputPipe(3).write(this.#takeClip(samples));
  }

  /** Stops feeding: frames already fed still come out, then 'done'. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#process.endInputs();
  }

  /** Kills the mixer at once (push ended). */
  kill(): void {
    this.#finished = true;
    this.#process.kill();
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

  #onOutput(chunk: Buffer): void {
    for (const frame of this.#adtsParser.push(chunk)) {
      // Output frame k carries input frame k-1: the encoder's first frame is its priming.
      if (this.#outputIndex++ === 0) continue;
      const ts = this.#pending.shift();
      if (ts !== undefined) this.emit('frame', ts, frame.data);
    }
  }
}
