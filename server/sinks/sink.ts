import type { Frame } from '../hub/frame';
import type { ReaderTracks } from '../hub/reader';

/** What a sink is told while it runs. */
export interface SinkHandlers {
  /** Frames in decode order per track, already on the output's timeline (track units, from about 0). */
  frames(frames: readonly Frame[]): void;
  /** The tracks changed (a track appeared or went, new parameters): announce them again if the format needs it. */
  tracks(tracks: ReaderTracks): void;
}

/**
 * What a sink reads: frames placed on its output timeline, with the tracks they belong to.
 * Back-pressure goes through pause/resume: frames wait in the reader's bounded queue meanwhile,
 * and a sink that stays congested loses whole GOPs there, never the publisher.
 */
export interface SinkInput {
  /** The tracks as of now (before start: the ones the output will carry as far as known). */
  readonly tracks: ReaderTracks;
  /** The sink is ready (connected): frames start flowing to `handlers`, starting on a keyframe. Call once. */
  start(handlers: SinkHandlers): void;
  /** Stop delivering for now (the output is congested). */
  pause(): void;
  resume(): void;
}

/** What a sink tells about itself while it runs. */
export interface SinkStats {
  /** Bytes written to the output (protocol overhead included). */
  readonly bytesSent: number;
  /** Of those, bytes still waiting to be taken by the peer (our socket buffer). */
  readonly pendingBytes: number;
  /** Frames written. */
  readonly framesSent: number;
}

/**
 * One output session to one target, single-shot: `run` connects, reads `input` until `signal`
 * aborts (then ends cleanly and resolves) or the output fails (rejects with the reason). Retry,
 * state, wedge detection and the timeline live in the push task that runs it; a new attempt is a
 * new sink. An abort whose reason is not {@link STOP_GRACEFULLY} drops the connection at once.
 */
export interface Sink {
  readonly stats: SinkStats;
  run(input: SinkInput, signal: AbortSignal): Promise<void>;
}

/** The abort reason that asks a sink to end its session cleanly (RTMP: FCUnpublish, deleteStream). */
export const STOP_GRACEFULLY = Symbol('stop gracefully');

