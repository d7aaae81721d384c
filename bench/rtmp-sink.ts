import net from 'node:net';
import { RtmpConnection } from '../server/rtmp/connection';
import { isAmfObject } from '../server/rtmp/protocol/amf0';
import { ChunkStreamId, commandMessage, MessageType, parseCommand, type RtmpCommand, type RtmpMessage } from '../server/rtmp/protocol/messages';
import { StreamTally, type StreamWindow } from './stream-tally';

/** Message stream id handed out by createStream. */
const STREAM_ID = 1;

/**
 * A local RTMP server that accepts any publish and counts what arrives: each stream (keyed
 * `<app>/<stream name>`, so a reconnect continues the same tally) gets a StreamTally fed with every
 * audio and video tag, stamped with its wall-clock arrival. Loopback only.
 */
export class CountingRtmpSink {
  readonly port: number;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #tallies = new Map<string, StreamTally>();
  readonly #firstVideoWaiters = new Map<string, Array<(atMs: number) => void>>();

  private constructor(server: net.Server) {
    this.#server = server;
    this.port = (server.address() as net.AddressInfo).port;
  }

  /** Listens on a free port of 127.0.0.1. */
  static async start(): Promise<CountingRtmpSink> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const sink = new CountingRtmpSink(server);
    server.on('connection', (socket) => sink.#accept(socket));
    return sink;
  }

  /** rtmp:// URL of application `app` on this sink. */
  url(app: string): string {
    return `rtmp://127.0.0.1:${this.port}/${app}`;
  }

  /** Wall-clock time the first video frame of `key` (`<app>/<stream name>`) arrived, ms since the epoch; waits for it up to `timeoutMs`. */
  firstVideo(key: string, timeoutMs: number): Promise<number> {
    const seen = this.#tallies.get(key)?.firstVideoAtMs;
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no video from ${key} within ${timeoutMs} ms`)), timeoutMs);
      const waiters = this.#firstVideoWaiters.get(key) ?? [];
      waiters.push((atMs) => {
        clearTimeout(timer);
        resolve(atMs);
      });
      this.#firstVideoWaiters.set(key, waiters);
    });
  }

  /** Starts a new measurement window on every stream. */
  resetWindows(): void {
    for (const tally of this.#tallies.values()) tally.resetWindow();
  }

  /** The current window of each stream, by key. */
  windows(): Map<string, StreamWindow> {
    return new Map([...this.#tallies].map(([key, tally]) => [key, tally.window()]));
  }

  /** Drops every connection and stops listening. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined); // a publisher going away mid-write is not our problem
    const connection = new RtmpConnection(socket, { role: 'server' });
    let app = '';
    let tally: StreamTally | undefined;
    let key = '';
    connection.on('message', (message) => {
      const arrivedAtMs = performance.timeOrigin + performance.now();
      if (message.typeId === MessageType.VIDEO && tally) {
        const hadVideo = tally.firstVideoAtMs !== undefined;
        tally.onVideo(message.timestamp, message.payload, arrivedAtMs);
        if (!hadVideo && tally.firstVideoAtMs !== undefined) this.#notifyFirstVideo(key, tally.firstVideoAtMs);
      } else if (message.typeId === MessageType.AUDIO) {
        tally?.onAudio(message.timestamp, message.payload, arrivedAtMs);
      } else if (message.typeId === MessageType.COMMAND_AMF0 || message.typeId === MessageType.COMMAND_AMF3) {
        const command = parseCommand(message);
        if (command.name === 'connect') {
          app = isAmfObject(command.commandObject) && typeof command.commandObject.app === 'string' ? command.commandObject.app : '';
        } else if (command.name === 'publish') {
          key = `${app}/${String(command.args[0] ?? '').split('?')[0]}`;
          tally = this.#tallies.get(key) ?? new StreamTally();
          this.#tallies.set(key, tally);
        }
        answer(connection, command, message);
      }
    });
  }

  #notifyFirstVideo(key: string, atMs: number): void {
    for (const waiter of this.#firstVideoWaiters.get(key) ?? []) waiter(atMs);
    this.#firstVideoWaiters.delete(key);
  }
}

/** Answers the commands a publishing client waits for, as nginx-rtmp would. */
function answer(connection: RtmpConnection, command: RtmpCommand, message: RtmpMessage): void {
  const reply = (...args: Parameters<typeof commandMessage>[0]['args']): void => {
    connection.send(commandMessage({ name: '_result', transactionId: command.transactionId, commandObject: args[0] ?? null, args: args.slice(1) }, { chunkStreamId: ChunkStreamId.COMMAND, messageStreamId: 0 }));
  };
  if (command.name === 'connect') {
    reply({ fmsVer: 'FMS/3,0,1,123', capabilities: 31 }, { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.' });
  } else if (command.name === 'createStream') {
    reply(null, STREAM_ID);
  } else if (command.name === 'publish') {
    const status = { level: 'status', code: 'NetStream.Publish.Start', description: 'Start publishing' };
    connection.send(commandMessage({ name: 'onStatus', transactionId: 0, commandObject: null, args: [status] }, { chunkStreamId: ChunkStreamId.STREAM, messageStreamId: message.messageStreamId }));
  }
}
