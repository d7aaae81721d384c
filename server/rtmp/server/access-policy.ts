/** What is known of a client when its `connect` arrives. */
export interface ConnectRequest {
  /** Remote IP address as the socket reports it (IPv4 clients of a dual-stack socket appear as `::ffff:a.b.c.d`). */
  readonly clientIp: string;
  /** `app` of the connect command without any `?query` or trailing `/`, e.g. `live`. */
  readonly app: string;
}

/** A publish or play on an admitted connection. */
export interface StreamRequest extends ConnectRequest {
  readonly action: 'publish' | 'play';
  /** The stream name before any `?`: the stream key of a publisher, the stream a player wants. */
  readonly streamKey: string;
  /** What followed `?` in the stream name ('' when nothing did), e.g. a token for a validation webhook. */
  readonly query: string;
}

/** The answer to a request; a refusal says why (logged, and sent to the client as the status description). */
export type AccessDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/**
 * Who may connect, publish and play on one RTMP listener. The listener asks; the management layer
 * answers from its rules, so the protocol code knows nothing of how rules are stored.
 */
export interface RtmpAccessPolicy {
  /** Decides at `connect` time: refused clients get NetConnection.Connect.Rejected. */
  admitConnection(request: ConnectRequest): AccessDecision;
  /** Decides a publish (refused: NetStream.Publish.BadName) or a play (refused: NetStream.Play.StreamNotFound); `signal` aborts when the client leaves. */
  authorizeStream(request: StreamRequest, signal: AbortSignal): Promise<AccessDecision>;
}
