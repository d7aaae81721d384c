/**
 * Browser SDK for the WebRTC→RTMP gateway, named like @flashphoner/websdk:
 *
 *   Flashphoner.init();
 *   Flashphoner.createSession({ urlServer: 'ws://host:8080' })
 *     .on(SESSION_STATUS.ESTABLISHED, (session) =>
 *       session.createStream({ name: 'cam1', display: div })
 *         .on(STREAM_STATUS.PUBLISHING, (stream) => console.log('live', stream.id()))
 *         .publish());
 *
 * and `.play()` instead of `.publish()` shows the stream `name` in a <video> in `display`
 * (statuses PLAYING, then STOPPED or FAILED).
 */
import { ERROR_INFO } from './constants';
import { DEFAULT_CONSTRAINTS } from './publish-constraints';
import type { PublishConstraints, Session, SessionOptions } from './public-types';
import { GatewaySession } from './session';

export * as constants from './constants';
export { ERROR_INFO, SESSION_STATUS, STREAM_STATUS, STREAM_STATUS_INFO, type SessionStatus, type StreamStatus } from './constants';
export type { CustomData } from './client-messages';
export type { ServerFailure, UserData } from './server-messages';
export type { PublishConstraints, Session, SessionEvents, SessionOptions, Stream, StreamEvents, StreamOptions } from './public-types';

/** Options of init(). */
export interface InitOptions {
  /** Media captured by streams created without constraints; default audio + 320×240 video, as the official SDK. */
  constraints?: PublishConstraints;
}

// Set by the first init(); later calls change nothing, as in the official SDK.
let defaultConstraints: PublishConstraints | undefined;

/** Initialises the SDK once; throws "None of MediaProviders available" in a browser without WebRTC. */
export function init(options: InitOptions = {}): void {
  if (defaultConstraints !== undefined) {
    return;
  }
  if (typeof RTCPeerConnection === 'undefined') {
    throw new Error(ERROR_INFO.NONE_OF_MEDIAPROVIDERS_AVAILABLE);
  }
  defaultConstraints = options.constraints ?? DEFAULT_CONSTRAINTS;
}

/** Opens a session to `options.urlServer`; throws before init() and a TypeError without urlServer, as the official SDK. */
export function createSession(options: SessionOptions): Session {
  if (defaultConstraints === undefined) {
    throw new Error(ERROR_INFO.FLASHPHONER_API_NOT_INITIALIZED);
  }
  if (!options?.urlServer) {
    throw new TypeError(ERROR_INFO.OPTIONS_URLSERVER_MUST_BE_PROVIDED);
  }
  return new GatewaySession(options, defaultConstraints);
}
