import { createHmac } from 'node:crypto';

/** One entry of RTCConfiguration.iceServers, as JSON. */
export interface IceServerJson {
  urls: string[];
  username?: string;
  credential?: string;
}

/** What browsers get: usable as an RTCPeerConnection configuration (the official SDK's `mediaOptions`). */
export interface ClientIceConfiguration {
  iceServers: IceServerJson[];
  iceTransportPolicy: 'all' | 'relay';
}

/** How TURN users are authenticated. */
export type TurnAuth =
  | { readonly kind: 'static'; readonly username: string; readonly password: string }
  /** The TURN REST API (coturn use-auth-secret): credentials made from a shared secret, valid for ttlSeconds. */
  | { readonly kind: 'secret'; readonly secret: string; readonly ttlSeconds: number };

/** The ICE servers the gateway hands to its clients, from the settings. */
export interface IceServerSettings {
  /** stun:, stuns:, turn: and turns: URLs. */
  readonly urls: readonly string[];
  /** Needed by the turn(s): URLs; undefined when there are none. */
  readonly turnAuth?: TurnAuth;
  readonly policy: 'all' | 'relay';
}

/**
 * Makes the ICE configuration each client gets: STUN URLs in one entry, TURN URLs in another with
 * their credentials, fresh for each call with the TURN REST API (username `<expiry>:<user>`,
 * credential base64(HMAC-SHA1(secret, username)), as coturn checks them).
 */
export class ClientIceServers {
  readonly #settings: IceServerSettings;
  readonly #now: () => number;

  constructor(settings: IceServerSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  /** False when no ICE server is configured: clients keep their own (or none). */
  get configured(): boolean {
    return this.#settings.urls.length > 0;
  }

  /** The configuration for one client; `user` names it in time-limited TURN user names (a session id). */
  forClient(user = 'webrtc-gateway'): ClientIceConfiguration {
    const stun = this.#settings.urls.filter((url) => !isTurn(url));
    const turn = this.#settings.urls.filter(isTurn);
    const iceServers: IceServerJson[] = [];
    if (stun.length > 0) iceServers.push({ urls: stun });
    if (turn.length > 0) iceServers.push({ urls: turn, ...this.#turnCredentials(user) });
    return { iceServers, iceTransportPolicy: this.#settings.policy };
  }

  /** For the start-up log: the URLs and how TURN authenticates, without any password or secret. */
  describe(): Record<string, unknown> {
    const auth = this.#settings.turnAuth;
    return {
      urls: this.#settings.urls,
      iceTransportPolicy: this.#settings.policy,
      turnAuth: auth === undefined ? 'none' : auth.kind === 'static' ? { username: auth.username, password: '***' } : { secret: '***', ttlSeconds: auth.ttlSeconds },
    };
  }

  #turnCredentials(user: string): { username: string; credential: string } {
    const auth = this.#settings.turnAuth;
    if (auth === undefined) throw new Error('turn: URLs need credentials (the settings check this)');
    if (auth.kind === 'static') return { username: auth.username, credential: auth.password };
    return turnRestCredentials(auth.secret, user, auth.ttlSeconds, this.#now());
  }
}

/** Time-limited TURN credentials (draft-uberti-behave-turn-rest-00 §2.2), valid until now + ttlSeconds. */
export function turnRestCredentials(secret: string, user: string, ttlSeconds: number, nowMs: number): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${user}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

function isTurn(url: string): boolean {
  return /^turns?:/i.test(url);
}
