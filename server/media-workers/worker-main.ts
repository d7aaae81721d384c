/**
 * A media worker: a child process of the gateway that carries the streams placed on it, with
 * their pushes and players. The main process hands it RTMP connections (socket and protocol
 * state) once their stream name is known, passes it WebRTC offers (the signalling stays there, and
 * the media comes to this worker's own UDP port), and relays the REST API's directory calls; the
 * worker answers them from its own paths and reports their events. A crash here ends these streams only.
 */
import type net from 'node:net';
import type { Settings } from '../config/settings';
import { GatewayError } from '../errors';
import { EndReasons } from '../hub/end-reason';
import { createLogger, type Logger } from '../log';
import type { PathDirectoryEvents } from '../paths/path-directory';
import type { AccessDecision, RtmpAccessPolicy, StreamRequest } from '../rtmp/server/access-policy';
import { ServerSession } from '../rtmp/server/server-session';
import type { PublishStreamRequest } from '../signalling/protocol';
import { PublishRejectedError, type PublishCallbacks, type PublishHandle } from '../signalling/publish-service';
import { startPeerNetwork } from '../webrtc/network-from-settings';
import type { WebRtcPlayService } from '../webrtc/webrtc-play-service';
import type { WebRtcPublishService } from '../webrtc/webrtc-publish-service';
import { MediaNode } from './media-node';
import type { FromWorker, HandedSessionOptions, ToWorker, WorkerCallMethod, WorkerCalls } from './protocol';
import { rtmpClientLimits } from './rtmp-limit-settings';
import { webRtcPlaying } from './webrtc-playing';
import { webRtcPublishing } from './webrtc-publishing';
import { WorkerPlays } from './worker-plays';
import { publisherOutputs, recordingDefaults } from './publisher-outputs';

const EVENTS: ReadonlyArray<keyof PathDirectoryEvents> = ['path-published', 'path-unpublished', 'push-state', 'push-retry', 'path-removed', 'recording-file'];

let node: MediaNode | undefined;
let publisher: WebRtcPublishService | undefined;
let viewers: WebRtcPlayService | undefined;
let plays: WorkerPlays | undefined;
/** WebRTC publishes running here, by the main process's id. */
const publishes = new Map<number, PublishHandle>();
/** WebRTC publishes waiting for the main process's authorisation, by id. */
const pendingAuthorizations = new Map<number, (request: PublishStreamRequest | undefined, rejection: string | undefined) => void>();
let settings: Settings;
let log: Logger;
const sessions = new Map<number, ServerSession>();
/** Access questions sent to the main process, by id. */
const pendingAccess = new Map<number, (decision: AccessDecision) => void>();
let nextAccessId = 1;

function send(message: FromWorker): void {
  if (process.connected) process.send!(message);
}

process.on('message', (message: ToWorker, handle?: net.Socket) => {
  switch (message.kind) {
    case 'init':
      init(message.index, message.settings, message.codecWorkers).catch((err: unknown) => {
        log.fatal({ err }, `media worker could not start: ${(err as Error).message}`);
        process.exit(1);
      });
      break;
    case 'call':
      Promise.resolve()
        .then(() => (calls[message.method] as (...args: unknown[]) => Promise<unknown>)(...message.args))
        .then(
          (value) => send({ kind: 'reply', id: message.id, value }),
          (err: unknown) => send({ kind: 'reply', id: message.id, error: { code: err instanceof GatewayError ? err.code : undefined, message: (err as Error).message } }),
        );
      break;
    case 'rtmp-session':
      send({ kind: 'rtmp-received', session: message.session });
      if (handle) resumeSession(message.session, handle, message.snapshot, message.options);
      else send({ kind: 'rtmp-closed', session: message.session }); // the client left before its socket could travel
      break;
    case 'rtmp-close':
      sessions.get(message.session)?.close(message.reason);
      break;
    case 'publish':
      startPublish(message.id, message.request, message.logBindings);
      break;
    case 'publish-authorized':
      pendingAuthorizations.get(message.id)?.(message.request, message.rejection);
      pendingAuthorizations.delete(message.id);
      break;
    case 'publish-stop':
      publishes.get(message.id)?.stop(message.reason);
      break;
    case 'play':
      if (plays) plays.start(message.id, message.request, message.logBindings);
      else send({ kind: 'play-failed', id: message.id, refusal: undefined, message: 'media worker not initialised' });
      break;
    case 'play-stop':
      plays?.stop(message.id, message.reason);
      break;
    case 'access-decision':
      pendingAccess.get(message.id)?.(message.decision);
      pendingAccess.delete(message.id);
      break;
  }
});

async function init(index: number, initSettings: Settings, codecWorkers: number): Promise<void> {
  settings = initSettings;
  log = createLogger(settings.logLevel).child({ worker: index });
  // Each worker has its own WebRTC port: the next ports after webrtc_udp_port (any free one with 0).
  const udpPort = settings.webrtcUdpPort === undefined || settings.webrtcUdpPort === 0 ? settings.webrtcUdpPort : settings.webrtcUdpPort + index;
  const network = await startPeerNetwork({ ...settings, webrtcUdpPort: udpPort }, log);
  const made = new MediaNode(settings, log, { codecWorkers, webrtcUdp: () => network.mux?.stats });
  publisher = webRtcPublishing(settings, made, made.paths, network, publisherOutputs(made.paths, recordingDefaults(settings), log));
  viewers = webRtcPlaying(settings, made, made.paths, network);
  plays = new WorkerPlays(viewers, send, log);
  node = made;
  for (const event of EVENTS) made.paths.on(event, (...args: unknown[]) => send({ kind: 'event', event, args } as FromWorker));
  log.info({ pid: process.pid, codecWorkers, webrtcUdpPort: network.mux?.port }, 'media worker ready');
  send({ kind: 'ready' });
}

/** A WebRTC publish the main process's signalling placed here; its session is told what happens. */
function startPublish(id: number, request: PublishStreamRequest, logBindings: Record<string, unknown>): void {
  if (!publisher) {
    send({ kind: 'publish-failed', id, rejected: false, message: 'media worker not initialised' });
    return;
  }
  const callbacks: PublishCallbacks = {
    authorize: (offered) => new Promise((resolve, reject) => {
      pendingAuthorizations.set(id, (authorized, rejection) => (authorized ? resolve(authorized) : reject(new PublishRejectedError(rejection ?? 'Rejected'))));
      send({ kind: 'publish-authorize', id, request: offered });
    }),
    onPublishing: () => send({ kind: 'publishing', id }),
    onEnded: (info, failed) => {
      publishes.delete(id);
      send({ kind: 'publish-ended', id, info, failed });
    },
  };
  publisher.publish(request, callbacks, log.child(logBindings)).then(
    (handle) => {
      publishes.set(id, handle);
      send({ kind: 'publish-answer', id, answerSdp: handle.answerSdp });
    },
    (err: unknown) => send({ kind: 'publish-failed', id, rejected: err instanceof PublishRejectedError, message: (err as Error).message }),
  );
}

// The main process is gone: nobody can reach these streams any more.
process.on('disconnect', () => process.exit(0));

/** The directory calls, answered from this worker's paths. */
const calls: { [M in WorkerCallMethod]: (...args: WorkerCalls[M]['args']) => Promise<WorkerCalls[M]['value']> } = {
  listPaths: () => running().paths.listPaths(),
  findPath: (name) => running().paths.findPath(name),
  terminateStream: (name, publisherId, reason) => running().paths.terminateStream(name, publisherId, reason),
  startPush: (request) => running().paths.startPush(request),
  findPushes: (filter) => running().paths.findPushes(filter),
  terminatePush: (id, reason) => running().paths.terminatePush(id, reason),
  setMuted: (id, muted) => running().paths.setMuted(id, muted),
  soundOn: (id, soundFile, loop) => running().paths.soundOn(id, soundFile, loop),
  soundOff: (id) => running().paths.soundOff(id),
  metrics: () => running().metrics.registry.getMetricsAsJSON(),
  closePaths: () => {
    publisher?.close();
    viewers?.close();
    return running().close();
  },
};

function running(): MediaNode {
  if (!node) throw new GatewayError('INTERNAL', 'media worker not initialised');
  return node;
}

function resumeSession(id: number, socket: net.Socket, snapshot: Parameters<typeof ServerSession.resume>[1], options: HandedSessionOptions): void {
  if (!node) {
    socket.destroy();
    return;
  }
  let session: ServerSession;
  try {
    session = ServerSession.resume(socket, snapshot, {
      paths: node.paths,
      access: remoteAccess(id),
      playerMaxQueuedMs: options.playerMaxQueuedMs,
      traceMessages: options.traceMessages,
      logger: log.child(options.logBindings),
      limits: rtmpClientLimits(settings),
      limitReporter: node.metrics,
    });
  } catch (err) {
    log.error({ err }, 'handed-over RTMP connection could not be resumed');
    socket.destroy();
    send({ kind: 'rtmp-closed', session: id });
    return;
  }
  sessions.set(id, session);
  session.once('closed', () => {
    sessions.delete(id);
    send({ kind: 'rtmp-closed', session: id });
  });
}

/** The listener's policy lives in the main process, which also checks the name is placed here. */
function remoteAccess(session: number): RtmpAccessPolicy {
  return {
    admitConnection: () => ({ allowed: true }), // admitted by the main process before the hand-over
    authorizeStream: (request: StreamRequest, signal: AbortSignal) => new Promise<AccessDecision>((resolve) => {
      const id = nextAccessId++;
      pendingAccess.set(id, resolve);
      signal.addEventListener('abort', () => {
        pendingAccess.delete(id);
        resolve({ allowed: false, reason: 'the client left' });
      }, { once: true });
      send({ kind: 'access', id, session, request });
    }),
  };
}

// A shutdown of the gateway closes the paths over 'closePaths' first; a signal is the last word.
process.on('SIGTERM', () => {
  publisher?.close();
  viewers?.close();
  void (node?.paths.close(EndReasons.shutdown) ?? Promise.resolve()).finally(() => process.exit(0));
});
