import type { EndReason } from '../hub/end-reason';
import type { IngestCounts } from '../hub/ingest-meter';
import type { IngestQuality } from '../hub/ingest-quality';
import type { StreamSourceKind } from '../hub/stream';
import type { PushFilter, PushRequest, PushStatus } from '../push/types';
import type { RecordedFileEvent } from '../sinks/record/recording-ledger';

/** One stream name as the directory shows it. */
export interface PathSummary {
  readonly name: string;
  /** The publication, while there is one. */
  readonly stream: {
    readonly id: string;
    readonly sourceKind: StreamSourceKind;
    /** The publisher's media session id. */
    readonly publisherId: string;
    /** Unix ms. */
    readonly publishedAt: number;
    /** Sources first, then the tracks derived from them (AAC from Opus). */
    readonly tracks: readonly { readonly kind: 'video' | 'audio'; readonly codec: string }[];
    /** Picture size of the video, pixels; 0 until known. */
    readonly width: number;
    readonly height: number;
    readonly readers: number;
    /** How well the publisher's video arrives (WebRTC publishers). */
    readonly quality: IngestQuality | undefined;
    /** What the publisher has written into the hub: bytes, frames, current bitrate and frame rate. */
    readonly ingest: IngestCounts;
  } | undefined;
  /** True while pushes wait for a publisher that left. */
  readonly inGrace: boolean;
  /** Ids (mediaSessionId) of the pushes of the name. */
  readonly pushes: readonly string[];
}

/** Events of the directory, for monitoring (webhooks, metrics). */
export type PathDirectoryEvents = {
  /** A stream was published. */
  'path-published': [path: PathSummary];
  /** A stream ended (its pushes may wait for it: see `inGrace`). */
  'path-unpublished': [name: string, reason: EndReason];
  /** A push changed state (and once at creation, `pending`). */
  'push-state': [status: PushStatus];
  /** A push schedules a reconnect after a failure. */
  'push-retry': [status: PushStatus];
  /** A recording finished a file (at a rotation or its end). */
  'recording-file': [file: RecordedFileEvent];
  /** Nothing is left under the name (no publication, grace period or push): the path is forgotten. */
  'path-removed': [name: string];
};

/** The push controls the REST API drives. Errors are GatewayErrors. */
export interface PushControl {
  /** Starts a push; rejects INVALID_URL, STREAM_NOT_FOUND (not published and not reserved), CONFLICT (already pushed there). */
  startPush(request: PushRequest): Promise<PushStatus>;
  /** The pushes matching `filter`, oldest first. */
  findPushes(filter: PushFilter): Promise<PushStatus[]>;
  /** Ends a push; rejects TRANSPONDER_NOT_FOUND. */
  terminatePush(id: string, reason: EndReason): Promise<void>;
  /** Mutes or unmutes a push's audio. */
  setMuted(id: string, muted: boolean): Promise<void>;
  /** Plays a sound file from the media directory over a push's audio. */
  soundOn(id: string, soundFile: string, loop: boolean): Promise<void>;
  soundOff(id: string): Promise<void>;
}

/**
 * The directory of paths (stream names) and their pushes, reached by name and id with plain data
 * in and out, every call asynchronous. This is the seam where media workers on other cores and
 * other nodes plug in later; today one in-process implementation (PathManager) serves it.
 */
export interface PathDirectory extends PushControl {
  /** Every path with a publication, a grace period or a push. */
  listPaths(): Promise<PathSummary[]>;
  /** One path by stream name, if it exists. */
  findPath(name: string): Promise<PathSummary | undefined>;
  /**
   * Ends the publication of `name` if its publisher is still `publisherId` (a publisher that came
   * since is left alone): the stream closes with `reason`, which ends its publisher (the WebRTC
   * peer, the RTMP connection) and tells the client; its pushes go on as after a deliberate stop.
   * Resolves false when there was nothing to end.
   */
  terminateStream(name: string, publisherId: string, reason: EndReason): Promise<boolean>;
  on<K extends keyof PathDirectoryEvents>(event: K, listener: (...args: PathDirectoryEvents[K]) => void): unknown;
}
