/** What the harness tells the WHEP viewers process (argv[2], JSON). */
export interface WhepViewersConfig {
  /** Frame rate of the stream's video, frames/s: an RTP timestamp step of several frame times means frames went missing. */
  readonly fps: number;
  /** Bound on each HTTP request of a viewer (its POST, its DELETE), ms. */
  readonly requestTimeoutMs: number;
}

/** What one viewer received during the current window. */
export interface ViewerWindow {
  /** Video frames whose last packet (marker bit) arrived: distinct RTP timestamps. */
  readonly videoFrames: number;
  /** Opus packets (one frame each). */
  readonly audioFrames: number;
  /** Video frames missing or incomplete, from RTP sequence gaps and timestamp steps. */
  readonly lostVideoFrames: number;
  /** Opus packets missing, from RTP sequence gaps. */
  readonly lostAudioFrames: number;
}

/** What the harness asks of the viewers process. */
export type WhepViewersRequest =
  /** POSTs a recvonly offer to `endpointUrl` (…/whep/<name>) and plays the answer as viewer `key`. */
  | { readonly kind: 'play'; readonly key: string; readonly endpointUrl: string }
  /** DELETEs viewer `key`'s resource and closes its peer. */
  | { readonly kind: 'end'; readonly key: string }
  /** Starts a new window for every viewer. */
  | { readonly kind: 'reset' }
  /** The current window of each of `keys`. */
  | { readonly kind: 'windows'; readonly keys: readonly string[] };

/** Messages from the harness to the viewers process (IPC): a request, numbered; the reply carries the same `request`. */
export type WhepViewersCommand = WhepViewersRequest & { readonly request: number };

/** The viewers process's answer to one command. */
export type WhepViewersReply = { readonly request: number } & (
  /** `play` succeeded: the viewer's resource (the absolute Location). */
  | { readonly kind: 'playing'; readonly resourceUrl: string }
  | { readonly kind: 'done' }
  | { readonly kind: 'windows'; readonly windows: readonly ViewerWindow[] }
  | { readonly kind: 'failed'; readonly reason: string }
);

/** Messages from the viewers process to the harness (IPC): replies, and each viewer's first video frame. */
export type WhepViewersMessage = WhepViewersReply | { readonly kind: 'first-video'; readonly key: string };
