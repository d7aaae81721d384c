import net from 'node:net';
import tls from 'node:tls';
import { classifySocketError, RtmpClientError } from './client-errors';

/** Where to open the byte stream an RTMP session runs over. */
export interface TransportTarget {
  readonly host: string;
  readonly port: number;
  /** Wrap the TCP connection in TLS (rtmps). */
  readonly secure: boolean;
  /** TLS trust: extra CA certificates (PEM) and whether to verify the server (default true). */
  readonly tls?: { readonly ca?: Buffer; readonly rejectUnauthorized?: boolean };
  /** Resolves the host name (default: the OS's); a policy may refuse addresses here. */
  readonly lookup?: net.LookupFunction;
}

/** What opening a transport waits for: the host name's address, the TCP connection, the TLS handshake. */
export type TransportStage = 'DNS lookup' | 'TCP connect' | 'TLS handshake';

/**
 * Opens a TCP or TLS connection (SNI = host unless it is an IP address) with Nagle disabled, so
 * small audio messages are not held back. Resolves once connected (TLS: once verified); rejects
 * with a classified RtmpClientError, or with `signal.reason` when aborted. `onStage` hears what
 * it waits for next, so that a timeout can say which step never answered.
 */
export function openTransport(target: TransportTarget, signal: AbortSignal, onStage?: (stage: TransportStage) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const socket = target.secure
      ? tls.connect({
          host: target.host,
          port: target.port,
          ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
          ...(target.tls?.ca === undefined ? {} : { ca: target.tls.ca }),
          rejectUnauthorized: target.tls?.rejectUnauthorized ?? true,
          ...(target.lookup ? { lookup: target.lookup } : {}),
        })
      : net.connect({ host: target.host, port: target.port, ...(target.lookup ? { lookup: target.lookup } : {}) });
    onStage?.(net.isIP(target.host) === 0 ? 'DNS lookup' : 'TCP connect');
    socket.once('lookup', () => onStage?.('TCP connect'));
    if (target.secure) socket.once('connect', () => onStage?.('TLS handshake'));
    const connectEvent = target.secure ? 'secureConnect' : 'connect';
    const settle = (error?: unknown): void => {
      socket.off(connectEvent, onConnect);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) {
        socket.setNoDelay(true);
        resolve(socket);
      } else {
        socket.destroy();
        reject(error);
      }
    };
    const onConnect = (): void => settle();
    const onError = (error: Error): void => settle(classifySocketError(error));
    const onAbort = (): void => settle(signal.reason ?? new RtmpClientError('ABORTED', 'connection aborted'));
    socket.once(connectEvent, onConnect);
    socket.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
