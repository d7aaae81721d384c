/** Bounds on what one RTMP client can make a listener hold: the 'Limits: RTMP' settings. */
export interface RtmpClientLimits {
  /** Clients one IP address may have connected to one listener at once; more are refused at accept. */
  readonly maxConnectionsPerIp: number;
  /** Time from TCP accept to the end of the RTMP handshake, ms. */
  readonly handshakeTimeoutMs: number;
  /** Control messages and replies a client may leave unread before it is disconnected, bytes (see RtmpConnection.unsentBytes). */
  readonly maxUnsentBytes: number;
  /** Bytes the incomplete messages of one client may hold together before it is disconnected. */
  readonly maxPartialMessageBytes: number;
}
