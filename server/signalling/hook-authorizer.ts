import os from 'node:os';
import type { RestHookClient, RestHookVerdict } from '../hooks/rest-hook-client';
import { StreamStatusInfo } from '../hub/status-info';
import type { Logger } from '../log';
import type { ConnectionRequest } from './connection-request';
import type { PublishStreamRequest } from './protocol';

/** Longest stream name taken from a hook's answer, characters (as from a client). */
const MAX_NAME_LENGTH = 256;
/** Longest rtmpUrl taken from a hook's answer, characters (as from a client). */
const MAX_URL_LENGTH = 2048;

/** The session a hook call is about. */
export interface HookSession {
  sessionId: string;
  appKey?: string;
}

/**
 * The signalling's side of the REST hooks: builds WCS's request bodies for `connect` and
 * `publishStream` and reads the answers. Refusals come back as WCS info strings.
 */
export class HookAuthorizer {
  readonly #client: RestHookClient;
  /** WCS sends its node id in every hook; ours is the host name. */
  readonly #nodeId = os.hostname();

  constructor(client: RestHookClient) {
    this.#client = client;
  }

  /** Asks `connect` with the client's fields, its authToken included; resolves with the refusal info, or undefined to go ahead. */
  async connect(request: ConnectionRequest, session: HookSession, log: Logger): Promise<string | undefined> {
    const body = { nodeId: this.#nodeId, ...request, sessionId: session.sessionId };
    return refusalInfo(await this.#client.call('connect', body, log));
  }

  /**
   * Asks `publishStream`; resolves with the request as the backend left it (it may change `name`,
   * and `rtmpUrl`: an empty one means no republishing) or with the refusal info (a string).
   */
  async publish(request: PublishStreamRequest, session: HookSession, log: Logger): Promise<PublishStreamRequest | string> {
    const body = {
      nodeId: this.#nodeId,
      appKey: session.appKey,
      sessionId: session.sessionId,
      mediaSessionId: request.mediaSessionId,
      name: request.name,
      published: true,
      hasVideo: request.hasVideo,
      hasAudio: request.hasAudio,
      status: 'PENDING',
      record: request.record === true,
      mediaProvider: 'WebRTC',
      rtmpUrl: request.rtmpUrl,
      custom: request.custom,
    };
    const verdict = await this.#client.call('publishStream', body, log);
    if (!verdict.allowed) return refusalInfo(verdict)!;
    const { name, rtmpUrl } = verdict.fields;
    const granted = { ...request };
    if (typeof name === 'string' && name !== '' && name.length <= MAX_NAME_LENGTH && name !== request.name) {
      log.info({ streamName: name }, 'the publishStream hook renamed the stream');
      granted.name = name;
    }
    if (typeof rtmpUrl === 'string' && rtmpUrl.length <= MAX_URL_LENGTH && rtmpUrl !== (request.rtmpUrl ?? '')) {
      // Not logged: an RTMP URL may carry a stream key or credentials.
      log.info({ republish: rtmpUrl !== '' }, 'the publishStream hook changed rtmpUrl');
      if (rtmpUrl === '') delete granted.rtmpUrl;
      else granted.rtmpUrl = rtmpUrl;
    }
    return granted;
  }
}

function refusalInfo(verdict: RestHookVerdict): string | undefined {
  if (verdict.allowed) return undefined;
  return verdict.cause === 'forbidden' ? StreamStatusInfo.RESTRICTED_ACCESS : StreamStatusInfo.AUTHORIZATION_UNAVAILABLE;
}
