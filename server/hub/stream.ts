import { TypedEmitter } from '../events/typed-emitter';
import type { Logger } from '../log';
import type { EndReason } from './end-reason';
import type { Frame } from './frame';
import { GopCache } from './gop-cache';
import { IngestMeter, type IngestCounts } from './ingest-meter';
import type { IngestQuality } from './ingest-quality';
import { StreamReader, type ReaderHost, type ReaderOptions, type ReaderTracks } from './reader';
import type { Deriver, TrackDerivation } from './track-derivation';
import type { Codec, Track, TrackParams } from './track';

/** Where a stream comes from, as shown by the API: a WCS WebRTC client (signalling), a WHIP client, an RTMP publisher. */
export type StreamSourceKind = 'webrtc' | 'whip' | 'rtmp';

/** What the publishing side of a stream offers to the hub. */
export interface StreamSource {
  readonly kind: StreamSourceKind;
  /** Id of the publishing media session (WebRTC mediaSessionId or RTMP connection id). */
  readonly mediaSessionId: string;
  /** Asks the publisher for a keyframe (RTCP PLI for WebRTC; a no-op where impossible). */
  requestKeyframe(reason: string): void;
  /** How well the publisher's video arrives, where the ingest measures it (WebRTC). */
  stats?(): IngestQuality | undefined;
}

/** A track as the stream keeps it: its parameters change over time. */
interface StreamTrack extends Track {
  params: TrackParams | undefined;
}

/** What `addTrack` takes. */
export interface TrackSpec {
  readonly kind: Track['kind'];
  readonly codec: Codec;
  readonly timescale: number;
  readonly params?: TrackParams;
}

/** Events of a HubStream. */
export type HubStreamEvents = {
  /** A track was added or removed. */
  tracks: [tracks: readonly Track[]];
  /** A track's decoder parameters appeared or changed (new SPS/PPS, new resolution). */
  params: [track: Track];
  /** The number of readers changed. */
  'reader-count': [count: number];
  /** The stream ended (the publisher left, or the gateway stops), once. */
  close: [reason: EndReason];
};

/** A derived track that is being made, or may be made again. */
interface Derived {
  readonly derivation: TrackDerivation;
  readonly source: Track;
  readonly track: StreamTrack;
  readers: number;
  deriver: Deriver | undefined;
  lingerTimer: NodeJS.Timeout | undefined;
}

/** A derivation whose readers all left is kept running this long in case one comes back, ms. */
const DERIVED_LINGER_MS = 5000;

let nextStreamId = 1;

/**
 * One published stream: its tracks, and the frames its source writes, fanned out to every reader's
 * own queue. Writing never waits for a reader. Tracks that can be derived (AAC from Opus) are made
 * once per stream while some reader wants them. Owned by its path; its source ends it with `close`.
 */
export class HubStream extends TypedEmitter<HubStreamEvents> implements ReaderHost {
  /** Unique in the process, e.g. `s3`. */
  readonly id = `s${nextStreamId++}`;
  readonly name: string;
  readonly source: StreamSource;
  /** `Date.now()` when the stream was published. */
  readonly publishedAt = Date.now();
  readonly #log: Logger;
  readonly #derivations: readonly TrackDerivation[];
  readonly #tracks: StreamTrack[] = [];
  readonly #readers = new Set<StreamReader>();
  readonly #derived = new Map<StreamTrack, Derived>();
  readonly #cache = new GopCache();
  readonly #meter = new IngestMeter();
  #nextTrackId = 1;
  #closeReason: EndReason | undefined;

  constructor(name: string, source: StreamSource, derivations: readonly TrackDerivation[], logger: Logger) {
    super();
    this.name = name;
    this.source = source;
    this.#derivations = derivations;
    this.#log = logger.child({ streamName: name, streamId: this.id });
  }

  get closed(): boolean {
    return this.#closeReason !== undefined;
  }

  /** Why the stream closed; undefined while open. */
  get closeReason(): EndReason | undefined {
    return this.#closeReason;
  }

  /** Every track, in the order they were added (derived ones after their source). */
  get tracks(): readonly Track[] {
    return this.#tracks;
  }

  /** The first video track, if any. */
  get video(): Track | undefined {
    return this.#tracks.find((t) => t.kind === 'video');
  }

  /** The first audio track that is not derived, if any. */
  get audio(): Track | undefined {
    return this.#tracks.find((t) => t.kind === 'audio' && t.derivedFrom === undefined);
  }

  /** What the publisher has written so far (derived tracks not counted), and its current rates. */
  ingestCounts(): IngestCounts {
    return this.#meter.counts();
  }

  get readerCount(): number {
    return this.#readers.size;
  }

  /** The label of each reader (`push`, `player`, `webrtc-viewer`, a transcoder's), for the metrics. */
  readerLabels(): string[] {
    return [...this.#readers].map((reader) => reader.label);
  }

  /** Readers bound to `track`. */
  readersOf(track: Track): number {
    let count = 0;
    for (const reader of this.#readers) if (reader.tracks.video === track || reader.tracks.audio === track) count++;
    return count;
  }

  /** Called by the source: declares a track (its parameters may follow later). */
  addTrack(spec: TrackSpec): Track {
    const track: StreamTrack = { id: this.#nextTrackId++, kind: spec.kind, codec: spec.codec, timescale: spec.timescale, params: spec.params, derivedFrom: undefined };
    this.#tracks.push(track);
    this.#tracksChanged();
    return track;
  }

  /** Called by the source: the track is not there after all (RTMP's onMetaData lists fewer tracks). */
  removeTrack(track: Track): void {
    const index = this.#tracks.indexOf(track as StreamTrack);
    if (index === -1) return;
    this.#tracks.splice(index, 1);
    for (const [made, derived] of this.#derived) {
      if (derived.source !== track) continue;
      this.#stopDeriver(derived);
      this.#derived.delete(made);
      this.#tracks.splice(this.#tracks.indexOf(made), 1);
    }
    this.#tracksChanged();
  }

  /** Called by the source (or a deriver) when it learns or changes a track's decoder parameters. */
  setParams(track: Track, params: TrackParams): void {
    const own = track as StreamTrack;
    if (own.params !== undefined && sameParams(own.params, params)) return;
    own.params = params;
    this.emit('params', track);
  }

  /** Called by the source for every frame, in decode order per track. Never waits for a reader. */
  write(frame: Frame): void {
    if (this.#closeReason) return;
    if (frame.track.derivedFrom === undefined) this.#meter.add(frame.track.kind, frame.data.length);
    this.#cache.add(frame, this.video?.id);
    for (const reader of this.#readers) {
      const { video, audio } = reader.tracks;
      if (frame.track === video || frame.track === audio) reader.offer(frame);
    }
  }

  /**
   * Adds a reader bound to the tracks whose codecs it lists (derived ones are started for it).
   * With `fromCache` (default) the frames since the last keyframe are queued first. The reader
   * ends when the stream does; `reader.close()` removes it.
   */
  addReader(options: ReaderOptions): StreamReader {
    const reader = new StreamReader(this, options, this.#log);
    if (this.#closeReason) {
      reader.streamEnded(this.#closeReason);
      return reader;
    }
    this.#bind(reader);
    if (options.fromCache ?? true) {
      const { video, audio } = reader.tracks;
      reader.replay(this.#cache.frames().filter((frame) => frame.track === video || frame.track === audio));
    }
    this.#readers.add(reader);
    this.emit('reader-count', this.#readers.size);
    return reader;
  }

  /** Called by a reader that ends. */
  release(reader: StreamReader): void {
    if (!this.#readers.delete(reader)) return;
    this.#unbind(reader.tracks);
    if (!this.#closeReason) this.emit('reader-count', this.#readers.size);
  }

  /** Asks the publisher for a keyframe on behalf of a reader. */
  requestKeyframe(reason: string): void {
    if (!this.#closeReason) this.source.requestKeyframe(reason);
  }

  /** Ends the stream (idempotent): every reader ends with the same reason. */
  close(reason: EndReason): void {
    if (this.#closeReason) return;
    this.#closeReason = reason;
    this.#cache.clear();
    for (const derived of this.#derived.values()) this.#stopDeriver(derived);
    for (const reader of [...this.#readers]) reader.streamEnded(reason);
    this.#readers.clear();
    this.emit('close', reason);
    this.removeAllListeners();
  }

  #tracksChanged(): void {
    for (const reader of this.#readers) {
      const old = reader.tracks;
      this.#bind(reader);
      this.#unbind(old);
    }
    this.emit('tracks', this.#tracks);
  }

  /** Binds `reader` to a track per kind; a derived track gains a reader (and starts if it was idle). */
  #bind(reader: StreamReader): void {
    const tracks: ReaderTracks = { video: this.#trackFor('video', reader.codecs), audio: this.#trackFor('audio', reader.codecs) };
    for (const track of [tracks.video, tracks.audio]) {
      const derived = track && this.#derived.get(track as StreamTrack);
      if (derived && ++derived.readers === 1) this.#startDeriver(derived);
    }
    reader.bindTracks(tracks);
  }

  #unbind(tracks: ReaderTracks): void {
    for (const track of [tracks.video, tracks.audio]) {
      const derived = track && this.#derived.get(track as StreamTrack);
      if (derived && --derived.readers === 0) {
        derived.lingerTimer = setTimeout(() => this.#stopDeriver(derived), DERIVED_LINGER_MS);
        derived.lingerTimer.unref();
      }
    }
  }

  /** The track of `kind` a reader of `codecs` gets: an existing one, else one derived now. */
  #trackFor(kind: Track['kind'], codecs: readonly Codec[]): Track | undefined {
    for (const codec of codecs) {
      const track = this.#tracks.find((t) => t.kind === kind && t.codec === codec);
      if (track) return track;
    }
    for (const codec of codecs) {
      for (const derivation of this.#derivations) {
        if (derivation.to !== codec) continue;
        const source = this.#tracks.find((t) => t.kind === kind && t.codec === derivation.from && t.derivedFrom === undefined);
        if (source) return this.#deriveTrack(derivation, source, kind);
      }
    }
    return undefined;
  }

  #deriveTrack(derivation: TrackDerivation, source: Track, kind: Track['kind']): StreamTrack {
    const track: StreamTrack = { id: this.#nextTrackId++, kind, codec: derivation.to, timescale: derivation.timescale, params: derivation.params(source), derivedFrom: source.id };
    this.#tracks.push(track);
    this.#derived.set(track, { derivation, source, track, readers: 0, deriver: undefined, lingerTimer: undefined });
    return track;
  }

  #startDeriver(derived: Derived): void {
    clearTimeout(derived.lingerTimer);
    derived.lingerTimer = undefined;
    if (derived.deriver || this.#closeReason) return;
    derived.deriver = derived.derivation.start(this, derived.source, derived.track, this.#log);
  }

  #stopDeriver(derived: Derived): void {
    clearTimeout(derived.lingerTimer);
    derived.lingerTimer = undefined;
    derived.deriver?.close();
    derived.deriver = undefined;
  }
}

/** True when two parameter sets describe the same decoder configuration. */
function sameParams(a: TrackParams, b: TrackParams): boolean {
  if (a.codec === 'h264' && b.codec === 'h264') return a.sps.equals(b.sps) && a.pps.equals(b.pps);
  if (a.codec === 'aac' && b.codec === 'aac') return a.config.equals(b.config);
  if (a.codec === 'opus' && b.codec === 'opus') return a.channels === b.channels;
  return false;
}
