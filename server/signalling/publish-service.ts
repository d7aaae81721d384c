import type { EndReason } from '../hub/end-reason';
import type { Logger } from '../log';
import type { PublishStreamRequest } from './protocol';

/** What a signalling session learns about a publish it started. */
export interface PublishEvents {
  /** Media is flowing: the client is told PUBLISHING. */
  onPublishing(): void;
  /** The publish ended; `info` is a WCS STREAM_STATUS_INFO string. */
  onEnded(info: string, failed: boolean): void;
}

/** What a signalling session learns about a publish it started, and what it is asked. */
export interface PublishCallbacks extends PublishEvents {
  /**
   * Asked once the offer is known to be acceptable and before anything is reserved for it (stream
   * name, UDP ports): resolves with the request to carry out, possibly changed (e.g. renamed by the
   * customer's backend), or rejects with PublishRejectedError.
   */
  authorize(request: PublishStreamRequest): Promise<PublishStreamRequest>;
}

/** A publish in progress, as the signalling session holds it. */
export interface PublishHandle {
  /** The SDP answer (non-trickle: the server's candidates are inside). */
  readonly answerSdp: string;
  /** Ends the publish; the reason's `info` is what the client is told. */
  stop(reason: EndReason): void;
}

/** Rejection of a publish request, carrying the WCS info string for the client. */
export class PublishRejectedError extends Error {
  readonly code = 'PUBLISH_REJECTED';
}

/** The media side the signalling drives: starts WebRTC publishes (implemented in server/webrtc). */
export interface PublishService {
  /** Negotiates a publish; rejects with PublishRejectedError whose message is a WCS info string. */
  publish(request: PublishStreamRequest, callbacks: PublishCallbacks, logger: Logger): Promise<PublishHandle>;
}
