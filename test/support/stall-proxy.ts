import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a local port that can be told to stall: it then stops
 * reading from the connections it has, so their senders' buffers fill up and nothing flows, the way
 * a wedged network path behaves. New connections after a stall are forwarded normally.
 */
export class StallProxy {
  readonly #pairs = new Set<[net.Socket, net.Socket]>();
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(targetPort: number): Promise<StallProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new StallProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.#forward(client, targetPort));
    return proxy;
  }

  /** Stops reading from every current connection, in both directions. */
  stall(): void {
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  async close(): Promise<void> {
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #forward(client: net.Socket, targetPort: number): void {
    this.accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.#pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }
}
