/**
 * Messages between the gateway's main process and a media worker child, sent with
 * `serialization: 'advanced'` (structured clone: plain data, byte arrays as they are). An RTMP
 * connection travels as the socket handle beside its `rtmp-session` message.
 */
import type { Settings } from '../config/settings';
import type { EndReason } from '../hub/end-reason';
import type { GatewayErrorCode } from '../errors';
import type { AccessDecision, StreamRequest } from '../rtmp/server/access-policy';
import type { SessionSnapshot } from '../rtmp/server/session-snapshot';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { PathDirectoryEvents, PathSummary } from '../paths/path-directory';
import type { PushFilter, PushRequest, PushStatus } from '../push/types';
import type { PlayRefusal, PlayRequest } from '../signalling/play-service';
import type { PublishStreamRequest } from '../signalling/protocol';

/** Directory calls a worker answers: the PathDirectory's methods, its metrics as JSON, and closing its paths. */
export interface WorkerCalls {
  listPaths: { args: []; value: PathSummary[] };
  findPath: { args: [name: string]; value: PathSummary | undefined };
  terminateStream: { args: [name: string, publisherId: string, reason: EndReason]; value: boolean };
  startPush: { args: [request: PushRequest]; value: PushStatus };
  findPushes: { args: [filter: PushFilter]; value: PushStatus[] };
  terminatePush: { args: [id: string, reason: EndReason]; value: void };
  setMuted: { args: [id: string, muted: boolean]; value: void };
  soundOn: { args: [id: string, soundFile: string, loop: boolean]; value: void };
  soundOff: { args: [id: string]; value: void };
  metrics: { args: []; value: MetricObjectWithValues<MetricValue<string>>[] };
  closePaths: { args: []; value: void };
}

export type WorkerCallMethod = keyof WorkerCalls;

/** What a new RTMP session in a worker needs of its listener beside the snapshot. */
export interface HandedSessionOptions {
  readonly playerMaxQueuedMs: number;
  readonly traceMessages: boolean;
  /** Log context of the listener (rtmpServer, rtmpServerId). */
  readonly logBindings: Record<string, string>;
}

export type ToWorker =
  | { readonly kind: 'init'; readonly index: number; readonly settings: Settings; readonly codecWorkers: number }
  | { readonly kind: 'call'; readonly id: number; readonly method: WorkerCallMethod; readonly args: WorkerCalls[WorkerCallMethod]['args'] }
  /** Comes with the socket handle. */
  | { readonly kind: 'rtmp-session'; readonly session: number; readonly snapshot: SessionSnapshot; readonly options: HandedSessionOptions }
  | { readonly kind: 'rtmp-close'; readonly session: number; readonly reason: EndReason }
  | { readonly kind: 'access-decision'; readonly id: number; readonly decision: AccessDecision }
  /** A WebRTC publish placed here: negotiate it (the signalling stays in the main process). */
  | { readonly kind: 'publish'; readonly id: number; readonly request: PublishStreamRequest; readonly logBindings: Record<string, unknown> }
  /** The main process's answer to `publish-authorize`: the request to carry out, or why not. */
  | { readonly kind: 'publish-authorized'; readonly id: number; readonly request: PublishStreamRequest | undefined; readonly rejection: string | undefined }
  | { readonly kind: 'publish-stop'; readonly id: number; readonly reason: EndReason }
  /** A WebRTC viewer of a stream of this worker (WHEP, playStream): answer its offer. */
  | { readonly kind: 'play'; readonly id: number; readonly request: PlayRequest; readonly logBindings: Record<string, unknown> }
  | { readonly kind: 'play-stop'; readonly id: number; readonly reason: EndReason };

/** A directory event of the worker's paths. */
export type WorkerEvent = { [K in keyof PathDirectoryEvents]: { readonly kind: 'event'; readonly event: K; readonly args: PathDirectoryEvents[K] } }[keyof PathDirectoryEvents];

export type FromWorker =
  | { readonly kind: 'ready' }
  | { readonly kind: 'reply'; readonly id: number; readonly value: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly error: { readonly code: GatewayErrorCode | undefined; readonly message: string } }
  | WorkerEvent
  /** The worker has the socket of a handed-over RTMP connection: the next may be sent. */
  | { readonly kind: 'rtmp-received'; readonly session: number }
  /** A handed-over RTMP connection has closed. */
  | { readonly kind: 'rtmp-closed'; readonly session: number }
  /** A WebRTC publish asks the signalling session's authorisation (REST hooks) before reserving anything. */
  | { readonly kind: 'publish-authorize'; readonly id: number; readonly request: PublishStreamRequest }
  | { readonly kind: 'publish-answer'; readonly id: number; readonly answerSdp: string }
  /** The publish could not start; `rejected`: a PublishRejectedError whose message is a WCS info string. */
  | { readonly kind: 'publish-failed'; readonly id: number; readonly rejected: boolean; readonly message: string }
  | { readonly kind: 'publishing'; readonly id: number }
  | { readonly kind: 'publish-ended'; readonly id: number; readonly info: string; readonly failed: boolean }
  | { readonly kind: 'play-answer'; readonly id: number; readonly answerSdp: string }
  /** The playback could not start; `refusal` when it was a PlayRejectedError. */
  | { readonly kind: 'play-failed'; readonly id: number; readonly refusal: PlayRefusal | undefined; readonly message: string }
  | { readonly kind: 'playing'; readonly id: number }
  | { readonly kind: 'play-ended'; readonly id: number; readonly info: string; readonly failed: boolean }
  /** A later publish or play on a handed-over connection, for the listener's policy (and placement) to decide. */
  | { readonly kind: 'access'; readonly id: number; readonly session: number; readonly request: StreamRequest };
