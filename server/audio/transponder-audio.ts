import type { AudioFrame, AudioTrackInfo } from '../hub/frame';
import { silentAacFrame } from '../media/aac/silent-frame';
import type { Logger } from '../log';
import type { SoundClip } from './sound-clip';
import { SoundMixer } from './sound-mixer';

/** Settings shared by every push's audio. */
export interface TransponderAudioOptions {
  ffmpegPath: string;
  /** AAC bitrate of mixed audio, bit/s. */
  bitrateBps: number;
}

/** Frames a draining mixer may hold back before it is given up on (~10 s of audio). */
const MAX_HELD_FRAMES = 500;

/** Writes one AAC frame to the push at output time `ts`, ms; `receivedAt` is its source's arrival, if it has one. */
export type AudioWriter = (ts: number, aac: Buffer, receivedAt?: number) => void;

/**
 * The audio of one push, between the source and the RTMP session: the source's AAC frames pass
 * through untouched, are replaced by silent frames while muted, or go through a SoundMixer while
 * a sound file plays. Every output slot is filled exactly once and in order, so the target sees a
 * continuous AAC track whatever is switched, and nothing here touches the RTMP session.
 */
export class TransponderAudio {
  readonly #options: TransponderAudioOptions;
  readonly #write: AudioWriter;
  readonly #log: Logger;
  #info: AudioTrackInfo | undefined;
  #silence: Buffer | undefined;
  #muted = false;
  #mixer: SoundMixer | undefined;
  /** The sound that plays once the track is known or the previous mixer has drained. */
  #queuedSound: { clip: SoundClip; loop: boolean } | undefined;
  /** Frames that arrived while a mixer drained: they must follow its last frames. */
  #held: Array<[number, Buffer]> = [];
  #soundEnabled = false;
  #closed = false;

  constructor(options: TransponderAudioOptions, write: AudioWriter, logger: Logger) {
    this.#options = options;
    this.#write = write;
    this.#log = logger;
  }

  get muted(): boolean {
    return this.#muted;
  }

  /** True while a sound file plays (or waits to start). */
  get soundEnabled(): boolean {
    return this.#soundEnabled;
  }

  /** The push's audio track configuration (from the source). */
  setAudioInfo(info: AudioTrackInfo): void {
    if (this.#info?.config.equals(info.config)) return;
    this.#info = info;
    this.#silence = silentAacFrame(info.channels === 1 ? 1 : 2);
    if (this.#mixer && !this.#mixer.finished) this.#mixer.finish(); // it encodes for the old configuration
    this.#startQueuedSound();
  }

  mute(): void {
    this.#muted = true;
  }

  unmute(): void {
    this.#muted = false;
  }

  /** Plays `clip` over the push's audio, once or looped; replaces a sound already playing. */
  playSound(clip: SoundClip, loop: boolean): void {
    this.#queuedSound = { clip, loop };
    this.#soundEnabled = true;
    if (this.#mixer && !this.#mixer.finished) this.#mixer.finish();
    this.#startQueuedSound();
  }

  /** Stops the sound; the mixer drains what it was given, then the source passes through again. */
  stopSound(): void {
    this.#queuedSound = undefined;
    this.#soundEnabled = false;
    if (this.#mixer && !this.#mixer.finished) this.#mixer.finish();
  }

  /** One source frame at output time `ts`. */
  push(ts: number, frame: AudioFrame): void {
    this.#route(ts, frame.data, frame.receivedAt);
  }

  /** One frame of silence at `ts` (publisher gap); returns its duration, ms (0 without an audio track). */
  writeSilence(ts: number): number {
    if (!this.#info || !this.#silence) return 0;
    this.#route(ts, this.#silence);
    return (1024 / this.#info.sampleRate) * 1000;
  }

  close(): void {
    this.#closed = true;
    this.#mixer?.kill();
    this.#mixer = undefined;
    this.#held = [];
  }

  #route(ts: number, aac: Buffer, receivedAt?: number): void {
    if (this.#closed) return;
    const data = this.#muted && this.#silence ? this.#silence : aac;
    const mixer = this.#mixer;
    if (!mixer) this.#write(ts, data, receivedAt);
    else if (!mixer.finished) mixer.push(ts, data);
    else {
      this.#held.push([ts, data]);
      if (this.#held.length > MAX_HELD_FRAMES) mixer.kill();
    }
  }

  #startQueuedSound(): void {
    const sound = this.#queuedSound;
    if (!sound || !this.#info || this.#mixer || this.#closed) return;
    this.#queuedSound = undefined;
    const mixer = new SoundMixer({ ...this.#options, audio: this.#info, clip: sound.clip, loop: sound.loop });
    this.#mixer = mixer;
    this.#log.info({ soundFile: sound.clip.fileName, loop: sound.loop }, 'sound on');
    mixer.on('frame', (ts, data) => this.#write(ts, data));
    mixer.on('clip-ended', () => {
      if (this.#mixer !== mixer) return;
      this.#soundEnabled = this.#queuedSound !== undefined;
      mixer.finish();
    });
    mixer.on('done', (error) => this.#onMixerDone(mixer, error));
  }

  #onMixerDone(mixer: SoundMixer, error: string | undefined): void {
    if (this.#mixer !== mixer) return;
    this.#mixer = undefined;
    if (error) {
      this.#log.warn({ err: error }, 'sound mixer failed; passing the source through');
      this.#soundEnabled = this.#queuedSound !== undefined;
    } else {
      this.#log.info('sound off');
    }
    const held = this.#held;
    this.#held = [];
    this.#startQueuedSound();
    for (const [ts, data] of held) this.#route(ts, data);
  }
}
