import type { EndReason } from '../hub/end-reason';
import type { Logger } from '../log';

/** A viewer's request to play a stream over WebRTC (WHEP, or WCS `playStream`). */
export interface PlayRequest {
  /** The stream's name. */
  readonly name: string;
  /** The viewer's SDP offer (receive-only media sections). */
  readonly sdp: string;
  /** Id of this playback in logs and answers (WCS mediaSessionId, or the WHEP resource id). */
  readonly mediaSessionId: string;
}

/** What the caller of `play` learns about a playback it started. */
export interface PlayEvents {
  /** Media flows to the viewer (ICE and DTLS are up): WCS clients are told PLAYING. */
  onPlaying(): void;
  /** The playback ended (stream gone, viewer gone, stopped); `info` is a WCS STREAM_STATUS_INFO string. */
  onEnded(info: string, failed: boolean): void;
}

/** A playback in progress. */
export interface PlayHandle {
  /** The SDP answer (non-trickle: the server's candidates are inside). */
  readonly answerSdp: string;
  /** Ends the playback (idempotent). */
  stop(reason: EndReason): void;
}

/** Why a play request was refused: WHEP maps these to HTTP statuses, WCS to FAILED with the message. */
export type PlayRefusal = 'unknown-stream' | 'bad-offer' | 'limit';

/** Refusal of a play request; the message says why in words a viewer's developer can act on. */
export class PlayRejectedError extends Error {
  readonly code = 'PLAY_REJECTED';
  readonly refusal: PlayRefusal;

  constructor(refusal: PlayRefusal, message: string) {
    super(message);
    this.refusal = refusal;
  }
}

/** The media side that plays streams to WebRTC viewers (implemented in server/webrtc). */
export interface PlayService {
  /** Negotiates a playback of a published stream; rejects with PlayRejectedError. */
  play(request: PlayRequest, events: PlayEvents, logger: Logger): Promise<PlayHandle>;
}
