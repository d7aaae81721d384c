import net from 'node:net';

/** True when something accepts TCP connections on 127.0.0.1:`port` now. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Binds 127.0.0.1:`port` like another program would; resolves with the server (close it). */
export function holdPort(port: number): Promise<net.Server> {
  const server = net.createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Closes a server from holdPort. */
export function releasePort(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
