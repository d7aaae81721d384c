import type { CodecPool } from '../codec/codec-pool';
import type { Frame } from '../hub/frame';
import type { AacParams, Track } from '../hub/track';
import type { Logger } from '../log';
import { silentAacFrame } from '../media/aac/silent-frame';
import type { SoundClip } from './sound-clip';
import { SoundMixer } from './sound-mixer';

/** Settings shared by every push's audio. */
export interface PushAudioOptions {
  /** The codec workers that mix sounds in. */
  pool: CodecPool;
  /** AAC bitrate of mixed audio, bit/s. */
  bitrateBps: number;
}

/** Frames a draining mixer may hold back before it is given up on (~10 s of audio). */
const MAX_HELD_FRAMES = 500;
/** Samples in one AAC-LC frame. */
const AAC_FRAME_SAMPLES = 1024;

/** Takes one AAC frame of the push's output. */
export type AudioOutput = (frame: Frame) => void;

/**
 * The audio of one push, between its source and its sink: the source's AAC frames pass through
 * untouched, are replaced by silent frames while muted, or go through a SoundMixer while a sound
 * file plays. Every output slot is filled exactly once and in order, so the target sees a
 * continuous AAC track whatever is switched, and nothing here touches the sink's session.
 * Frames are on the push's output timeline.
 */
export class PushAudio {
  readonly #options: PushAudioOptions;
  readonly #output: AudioOutput;
  readonly #log: Logger;
  #track: Track | undefined;
  #params: AacParams | undefined;
  #silence: Buffer | undefined;
  #muted = false;
  #mixer: SoundMixer | undefined;
  /** The frames fed to the mixer, by pts, so its output keeps their track and wall clock. */
  readonly #mixing = new Map<number, Frame>();
  /** The sound that plays once the track is known or the previous mixer has drained. */
  #queuedSound: { clip: SoundClip; loop: boolean } | undefined;
  /** Frames that arrived while a mixer drained: they must follow its last frames. */
  #held: Frame[] = [];
  #soundEnabled = false;
  #closed = false;

  constructor(options: PushAudioOptions, output: AudioOutput, logger: Logger) {
    this.#options = options;
    this.#output = output;
    this.#log = logger;
  }

  get muted(): boolean {
    return this.#muted;
  }

  /** True while a sound file plays (or waits to start). */
  get soundEnabled(): boolean {
    return this.#soundEnabled;
  }

  /** The push's audio track (from the source), or undefined when it has none. */
  setTrack(track: Track | undefined): void {
    this.#track = track;
    const params = track?.params?.codec === 'aac' ? track.params : undefined;
    if (!params || params === this.#params) return;
    this.#params = params;
    this.#silence = silentAacFrame(params.channels === 1 ? 1 : 2);
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

  /** One source frame. */
  push(frame: Frame): void {
    if (frame.track !== this.#track || frame.track.params !== this.#params) this.setTrack(frame.track);
    this.#route(frame);
  }

  /** One frame of silence at `pts` (output units) while the publisher is away; returns its duration, ms (0 without an audio track). */
  writeSilence(pts: number, wallClock: number): number {
    const track = this.#track;
    if (!track || !this.#params || !this.#silence) return 0;
    this.#route({ track, pts, dts: pts, keyframe: true, data: this.#silence, wallClock, receivedAt: undefined });
    return (AAC_FRAME_SAMPLES / this.#params.sampleRate) * 1000;
  }

  close(): void {
    this.#closed = true;
    this.#mixer?.kill();
    this.#mixer = undefined;
    this.#mixing.clear();
    this.#held = [];
  }

  #route(frame: Frame): void {
    if (this.#closed) return;
    const out = this.#muted && this.#silence ? { ...frame, data: this.#silence } : frame;
    const mixer = this.#mixer;
    if (!mixer) {
      this.#output(out);
    } else if (!mixer.finished) {
      this.#mixing.set(out.pts, out);
      mixer.push(out.pts, out.data);
    } else {
      this.#held.push(out);
      if (this.#held.length > MAX_HELD_FRAMES) mixer.kill();
    }
  }

  #startQueuedSound(): void {
    const sound = this.#queuedSound;
    if (!sound || !this.#params || this.#mixer || this.#closed) return;
    this.#queuedSound = undefined;
    const mixer = new SoundMixer({ ...this.#options, audio: this.#params, clip: sound.clip, loop: sound.loop });
    this.#mixer = mixer;
    this.#log.info({ soundFile: sound.clip.fileName, loop: sound.loop }, 'sound on');
    mixer.on('frame', (pts, data) => {
      const fed = this.#mixing.get(pts);
      this.#mixing.delete(pts);
      if (fed) this.#output({ ...fed, data, receivedAt: undefined });
    });
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
    this.#mixing.clear();
    if (error) {
      this.#log.warn({ err: error }, 'sound mixer failed; passing the source through');
      this.#soundEnabled = this.#queuedSound !== undefined;
    } else {
      this.#log.info('sound off');
    }
    const held = this.#held;
    this.#held = [];
    this.#startQueuedSound();
    for (const frame of held) this.#route(frame);
  }
}
