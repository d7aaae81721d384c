import { EndReasons, type EndReason } from '../hub/end-reason';
import type { Logger } from '../log';
import { PlayRejectedError, type PlayHandle, type PlayService } from './play-service';
import { PlayStatusInfo, readPlayStream, readStreamIds, StreamStatusInfo, type StreamStatus } from './protocol';

/**
 * Plays one session may have at once, negotiating or playing. Higher than the publish bound: a
 * viewer page may show a grid of streams. Each play holds a peer connection and a reader of its
 * stream, and the gateway-wide bound on viewers (the play service's `limit`) applies as well.
 */
export const MAX_PLAYS_PER_SESSION = 16;

/** A viewer's own `stopStream` (a deliberate stop: nothing to retry). */
const VIEWER_STOP: EndReason = { code: 'publisher-stop', info: PlayStatusInfo.STOPPED_BY_USER };

/** What the plays of one session need from it. */
export interface SessionPlaysHost {
  /** Absent when the gateway plays nothing over WebRTC: every playStream gets FAILED. */
  readonly player: PlayService | undefined;
  readonly log: Logger;
  /** Sends one frame (never throws). */
  send(message: string, ...data: unknown[]): void;
  /** True when `mediaSessionId` is taken by a publish of the session. */
  isPublishing(mediaSessionId: string): boolean;
}

interface PlayEntry {
  readonly name: string;
  handle?: PlayHandle;
  /** Set when the viewer stopped (or left) before negotiation finished. */
  stoppedEarly?: EndReason;
  /** The viewer was told STOPPED or FAILED: nothing more is sent about this play. */
  ended: boolean;
}

/**
 * The WCS `playStream` / `stopStream` side of one signalling session: playStream → setRemoteSDP →
 * PLAYING, then STOPPED or FAILED with WCS's info. Each play ends once, however many ends race
 * (the viewer's stop, the stream's end, the session closing).
 */
export class SessionPlays {
  readonly #host: SessionPlaysHost;
  readonly #plays = new Map<string, PlayEntry>();
  #closed = false;

  constructor(host: SessionPlaysHost) {
    this.#host = host;
  }

  /** True when `mediaSessionId` is one of this session's plays. */
  has(mediaSessionId: string): boolean {
    return this.#plays.has(mediaSessionId);
  }

  /** Handles `playStream`; `established` says whether the session may play yet. */
  async play(data: unknown[], established: boolean): Promise<void> {
    const { mediaSessionId: id, name } = readStreamIds(data);
    const request = readPlayStream(data);
    if (typeof request === 'string') return this.#notify(id, name, 'FAILED', request);
    if (!established) return this.#notify(id, name, 'FAILED', StreamStatusInfo.SESSION_NOT_READY);
    const { player, log: sessionLog } = this.#host;
    if (player === undefined) return this.#notify(id, name, 'FAILED', PlayStatusInfo.PLAYBACK_UNAVAILABLE);
    if (this.#plays.has(id) || this.#host.isPublishing(id)) return this.#notify(id, name, 'FAILED', StreamStatusInfo.MEDIASESSION_ID_ALREADY_IN_USE);
    if (this.#plays.size >= MAX_PLAYS_PER_SESSION) {
      sessionLog.warn({ limit: 'ws_plays_per_session', max: MAX_PLAYS_PER_SESSION, streamName: name, mediaSessionId: id }, 'play refused: too many in this session');
      return this.#notify(id, name, 'FAILED', `Too many streams played in this session (at most ${MAX_PLAYS_PER_SESSION})`);
    }
    const entry: PlayEntry = { name, ended: false };
    this.#plays.set(id, entry);
    const log = sessionLog.child({ streamName: name, mediaSessionId: id, play: true });
    let handle: PlayHandle;
    try {
      handle = await player.play(request, {
        onPlaying: () => {
          if (!entry.ended) this.#notify(id, name, 'PLAYING', '');
        },
        onEnded: (info, failed) => this.#end(id, entry, failed ? 'FAILED' : 'STOPPED', info),
      }, log);
    } catch (err) {
      if (entry.stoppedEarly !== undefined) return this.#end(id, entry, 'STOPPED', entry.stoppedEarly.info);
      if (err instanceof PlayRejectedError) log.info({ refusal: err.refusal, reason: err.message }, 'play refused');
      else log.error({ err }, 'play failed');
      return this.#end(id, entry, 'FAILED', refusalInfo(err));
    }
    // A play that starts while the session closes (gateway shutdown) is in no list close() went through.
    const stoppedEarly = entry.stoppedEarly ?? (this.#closed ? EndReasons.sessionDisconnect : undefined);
    if (stoppedEarly !== undefined) return this.#stop(id, entry, handle, stoppedEarly);
    // The play service ended it while negotiating; the viewer was told.
    if (entry.ended) return;
    entry.handle = handle;
    this.#host.send('setRemoteSDP', id, handle.answerSdp);
  }

  /** Handles `stopStream` for a play of this session; false when `mediaSessionId` is none of them. */
  stop(mediaSessionId: string): boolean {
    const entry = this.#plays.get(mediaSessionId);
    if (entry === undefined) return false;
    if (entry.handle) this.#stop(mediaSessionId, entry, entry.handle, VIEWER_STOP);
    else entry.stoppedEarly = VIEWER_STOP;
    return true;
  }

  /** The session is gone: every play ends with "Stopped by session disconnect" (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, entry] of [...this.#plays]) {
      if (entry.handle) this.#stop(id, entry, entry.handle, EndReasons.sessionDisconnect);
      else entry.stoppedEarly = EndReasons.sessionDisconnect;
    }
  }

  /** Tells the viewer why, then stops the media (what the play service reports of that end is not sent again). */
  #stop(id: string, entry: PlayEntry, handle: PlayHandle, reason: EndReason): void {
    this.#end(id, entry, 'STOPPED', reason.info);
    handle.stop(reason);
  }

  #end(id: string, entry: PlayEntry, status: 'STOPPED' | 'FAILED', info: string): void {
    if (entry.ended) return;
    entry.ended = true;
    if (this.#plays.get(id) === entry) this.#plays.delete(id);
    this.#notify(id, entry.name, status, info);
  }

  #notify(mediaSessionId: string, name: string, status: StreamStatus, info: string): void {
    this.#host.send('notifyStreamStatusEvent', { mediaSessionId, name, published: false, status, info });
  }
}

/** What the viewer is told when the play service refuses or fails: WCS's words for an unknown stream. */
function refusalInfo(err: unknown): string {
  if (!(err instanceof PlayRejectedError)) return StreamStatusInfo.FAILED_BY_ERROR;
  return err.refusal === 'unknown-stream' ? PlayStatusInfo.STREAM_NOT_FOUND : err.message;
}
