import net from 'node:net';
import type { FloodInput, HostileInput } from './hostile-inputs';

/** How a flood case ended. */
export interface FloodOutcome {
  /** Bytes the client handed to its socket before the server dropped it. */
  readonly bytesWritten: number;
  /** From connect to the server's close, ms. */
  readonly elapsedMs: number;
}

/** Where and how long to deliver a flood. */
export interface FloodDelivery {
  readonly port: number;
  /** Source address (any of 127.0.0.0/8), so cases can stay under the clients-per-IP limit. */
  readonly localAddress?: string;
  /** The server must have dropped the client within this, ms. */
  readonly timeoutMs: number;
}

/**
 * Plays one flood case against 127.0.0.1: connects, sends the opening, then the flood up to its
 * repeat count (waiting for 'drain' between sends), and never reads and never hangs up. Resolves
 * once the server closed the connection; rejects if it is still open after `timeoutMs`.
 */
export function deliverFlood(input: FloodInput, delivery: FloodDelivery): Promise<FloodOutcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect({ port: delivery.port, host: '127.0.0.1', ...(delivery.localAddress === undefined ? {} : { localAddress: delivery.localAddress }) });
    let sent = 0;
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept a '${input.kind}' client for ${delivery.timeoutMs} ms (${socket.bytesWritten} bytes written)`));
    }, delivery.timeoutMs);
    socket.on('error', () => undefined); // a reset by the server is the expected ending
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ bytesWritten: socket.bytesWritten, elapsedMs: performance.now() - started });
    });
    const sendMore = (): void => {
      while (!closed && sent < input.repeat) {
        sent++;
        if (!socket.write(input.flood)) {
          socket.once('drain', sendMore);
          return;
        }
      }
    };
    socket.on('connect', () => {
      if (socket.write(input.opening)) sendMore();
      else socket.once('drain', sendMore);
    });
  });
}

/**
 * Sends one hostile input and hangs up (FIN); resolves once the server has closed its side too.
 * Rejects if the connection is still open after `timeoutMs`.
 */
export function deliverHostile(port: number, input: HostileInput, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept a '${input.kind}' connection open for ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('error', () => undefined); // a reset by the server is one of the expected endings
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.resume(); // discard what the server answers, or 'end' (and so 'close') never comes
    socket.on('connect', () => socket.end(input.bytes));
  });
}
