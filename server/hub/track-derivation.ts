import type { Logger } from '../log';
import type { HubStream } from './stream';
import type { Codec, Track, TrackParams } from './track';

/** A running derivation; closing it stops writing the made track. */
export interface Deriver {
  close(): void;
}

/**
 * How the hub makes a track of one codec from another on demand (AAC from Opus): the made track
 * exists once per stream, is shared by every reader that asks for its codec, and runs only while
 * one does.
 */
export interface TrackDerivation {
  readonly from: Codec;
  readonly to: Codec;
  /** Clock rate of the made track, Hz. */
  readonly timescale: number;
  /** Parameters of the made track when they follow from its source's (AAC-LC 48 kHz, as many channels as the Opus), else undefined. */
  params(source: Track): TrackParams | undefined;
  /** Starts writing `target` frames into `stream`, made from `source` frames (it reads them with a reader of its own). */
  start(stream: HubStream, source: Track, target: Track, logger: Logger): Deriver;
}
