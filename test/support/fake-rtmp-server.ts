import net from 'node:net';
import { RtmpConnection } from '../../server/rtmp/connection';
import { type AmfValue } from '../../server/rtmp/protocol/amf0';
import { ChunkStreamId, commandMessage, MessageType, parseCommand, type RtmpCommand, type RtmpMessage } from '../../server/rtmp/protocol/messages';

/** Answers one command; `reply` sends `_result`/`_error`, `status` an onStatus on the command's message stream. */
export interface CommandContext {
  readonly connection: RtmpConnection;
  readonly command: RtmpCommand;
  readonly message: RtmpMessage;
  reply(ok: boolean, ...args: AmfValue[]): void;
  status(level: string, code: string, description: string): void;
}

/** What the fake server does with each command; commands it does not list are answered like nginx-rtmp would. */
export type CommandHandlers = Partial<Record<string, (context: CommandContext) => void>>;

const DEFAULT_HANDLERS: Required<Pick<CommandHandlers, 'connect' | 'createStream' | 'publish'>> = {
  connect: (c) => c.reply(true, { fmsVer: 'FMS/3,0,1,123', capabilities: 31 }, { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.' }),
  createStream: (c) => c.reply(true, null, 1),
  publish: (c) => c.status('status', 'NetStream.Publish.Start', 'Start publishing'),
};

/**
 * A scriptable RTMP server on 127.0.0.1 built on RtmpConnection in the server role, recording
 * every message each client sends. Always close() it.
 */
export class FakeRtmpServer {
  readonly connections: RtmpConnection[] = [];
  readonly received: RtmpMessage[][] = [];
  readonly #sockets = new Set<net.Socket>();
  readonly #waiters: { matches: (message: RtmpMessage) => boolean; resolve: (message: RtmpMessage) => void }[] = [];

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(handlers: CommandHandlers = {}): Promise<FakeRtmpServer> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeRtmpServer(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (socket) => fake.#accept(socket, { ...DEFAULT_HANDLERS, ...handlers }));
    return fake;
  }

  /** Every command name the clients sent, per connection. */
  commandNames(): string[][] {
    return this.received.map((messages) => messages.filter((m) => m.typeId === MessageType.COMMAND_AMF0).map((m) => parseCommand(m).name));
  }

  /** Resolves with the first message (already received or still to come) that `matches`, on any connection. */
  message(matches: (message: RtmpMessage) => boolean): Promise<RtmpMessage> {
    const found = this.received.flat().find(matches);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ matches, resolve }));
  }

  /** Stops reading from every client, as a target that no longer reads; what the clients send then piles up on their side. */
  stopReading(): void {
    for (const socket of this.#sockets) socket.pause();
  }

  /** Writes raw bytes to every client, past the RtmpConnection (for floods); resolves once they left the socket buffers or the socket closed. */
  async writeRaw(bytes: Buffer): Promise<void> {
    const written = (socket: net.Socket): Promise<void> =>
      new Promise((resolve) => {
        if (socket.write(bytes)) return resolve();
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
    await Promise.all([...this.#sockets].map(written));
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #accept(socket: net.Socket, handlers: CommandHandlers): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    const connection = new RtmpConnection(socket, { role: 'server' });
    const received: RtmpMessage[] = [];
    this.connections.push(connection);
    this.received.push(received);
    connection.on('message', (message) => {
      received.push(message);
      for (const waiter of this.#waiters.filter((w) => w.matches(message))) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
      if (message.typeId !== MessageType.COMMAND_AMF0) return;
      const command = parseCommand(message);
      handlers[command.name]?.({
        connection,
        command,
        message,
        reply: (ok, ...args) =>
          connection.send(commandMessage({ name: ok ? '_result' : '_error', transactionId: command.transactionId, commandObject: args[0] ?? null, args: args.slice(1) }, { chunkStreamId: ChunkStreamId.COMMAND, messageStreamId: 0 })),
        status: (level, code, description) =>
          connection.send(commandMessage({ name: 'onStatus', transactionId: 0, commandObject: null, args: [{ level, code, description }] }, { chunkStreamId: 5, messageStreamId: message.messageStreamId })),
      });
    });
  }
}
