import net from 'node:net';
import { RtmpConnection } from '../../../../server/rtmp/connection';
import { type AmfValue, isAmfObject } from '../../../../server/rtmp/protocol/amf0';
import { ChunkStreamId, commandMessage, MessageType, parseCommand, type RtmpCommand, type RtmpMessage } from '../../../../server/rtmp/protocol/messages';

/** The info object of a `_result`, `_error` or `onStatus`. */
export interface StatusInfo {
  readonly level: string;
  readonly code: string;
  readonly description: string;
}

/** How long any single answer may take, ms. */
const ANSWER_TIMEOUT_MS = 10_000;

/**
 * A scriptable RTMP client for tests: each step sends one command and resolves with the server's
 * answer, so a test can assert the exact status codes (Connect.Rejected, Publish.BadName...)
 * that ffmpeg only prints as text. Every wait fails after 10 s or when the server closes first.
 */
export class RtmpTestClient {
  readonly connection: RtmpConnection;
  readonly #socket: net.Socket;
  /** Every message the server sent, in order. */
  readonly received: RtmpMessage[] = [];
  /** Resolves when the socket has closed (by either side). */
  readonly closed: Promise<void>;
  #nextTransactionId = 1;
  readonly #waiters: { matches: (command: RtmpCommand) => boolean; resolve: (command: RtmpCommand) => void }[] = [];

  private constructor(socket: net.Socket, connection: RtmpConnection) {
    this.#socket = socket;
    this.connection = connection;
    this.closed = new Promise((resolve) => connection.once('close', () => resolve()));
    connection.on('message', (message) => {
      this.received.push(message);
      if (message.typeId !== MessageType.COMMAND_AMF0) return;
      const command = parseCommand(message);
      const waiter = this.#waiters.find((w) => w.matches(command));
      if (waiter) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(command);
      }
    });
  }

  /** Opens TCP to 127.0.0.1:`port` (from `localAddress`, e.g. 127.0.0.2, when given) and completes the handshake. */
  static async open(port: number, localAddress?: string): Promise<RtmpTestClient> {
    const socket = net.connect({ port, host: '127.0.0.1', ...(localAddress === undefined ? {} : { localAddress }) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const connection = new RtmpConnection(socket, { role: 'client' });
    await within(new Promise<void>((resolve, reject) => {
      connection.once('ready', resolve);
      connection.once('close', () => reject(new Error('closed during the handshake')));
    }), 'the handshake');
    return new RtmpTestClient(socket, connection);
  }

  /** Sends connect for `app`; resolves with the status of the `_result` or `_error`. */
  async connect(app: string): Promise<StatusInfo> {
    const reply = await this.#call('connect', { app, tcUrl: `rtmp://127.0.0.1/${app}`, flashVer: 'LNX 9,0,124,2' }, []);
    return statusOf(reply);
  }

  /** Sends createStream; resolves with the new message stream id. */
  async createStream(): Promise<number> {
    const reply = await this.#call('createStream', null, []);
    const streamId = reply.args[0];
    if (reply.name !== '_result' || typeof streamId !== 'number') throw new Error(`createStream failed: ${JSON.stringify(reply.args)}`);
    return streamId;
  }

  /** Sends publish (live) on `streamId`; resolves with the first onStatus. */
  publish(streamId: number, name: string): Promise<StatusInfo> {
    return this.#streamCommand(streamId, 'publish', [name, 'live']);
  }

  /** Sends play on `streamId`; resolves with the first onStatus of level error or NetStream.Play.Start. */
  play(streamId: number, name: string): Promise<StatusInfo> {
    return this.#streamCommand(streamId, 'play', [name, -2000], (status) => status.level === 'error' || status.code === 'NetStream.Play.Start');
  }

  /** Resolves with the next onStatus the server sends whose code is `code`. */
  async status(code: string): Promise<StatusInfo> {
    return statusOf(await this.#wait((command) => command.name === 'onStatus' && statusOf(command).code === code, `onStatus ${code}`));
  }

  /** Sends any message (media, data, raw commands). */
  send(message: RtmpMessage): void {
    this.connection.send(message);
  }

  /** Stops reading the socket, like a player on a link slower than the stream. */
  pauseReading(): void {
    this.#socket.pause();
  }

  resumeReading(): void {
    this.#socket.resume();
  }

  destroy(): void {
    this.connection.destroy();
  }

  #streamCommand(streamId: number, name: string, args: AmfValue[], settles: (status: StatusInfo) => boolean = () => true): Promise<StatusInfo> {
    const answer = this.#wait((command) => command.name === 'onStatus' && settles(statusOf(command)), `the onStatus answering ${name}`);
    this.connection.send(commandMessage({ name, transactionId: 0, commandObject: null, args }, { chunkStreamId: ChunkStreamId.STREAM, messageStreamId: streamId }));
    return answer.then(statusOf);
  }

  #call(name: string, commandObject: AmfValue, args: AmfValue[]): Promise<RtmpCommand> {
    const transactionId = this.#nextTransactionId++;
    const reply = this.#wait((command) => (command.name === '_result' || command.name === '_error') && command.transactionId === transactionId, `the reply to ${name}`);
    this.connection.send(commandMessage({ name, transactionId, commandObject, args }, { chunkStreamId: ChunkStreamId.COMMAND, messageStreamId: 0 }));
    return reply;
  }

  #wait(matches: (command: RtmpCommand) => boolean, what: string): Promise<RtmpCommand> {
    const answered = new Promise<RtmpCommand>((resolve, reject) => {
      this.#waiters.push({ matches, resolve });
      void this.closed.then(() => reject(new Error(`the server closed the connection before ${what}`)));
    });
    return within(answered, what);
  }
}

/** The info object of a command: the first object argument, else the command object. */
export function statusOf(command: RtmpCommand): StatusInfo {
  const info = [...command.args, command.commandObject].find(isAmfObject);
  const text = (value: AmfValue): string => (typeof value === 'string' ? value : '');
  return { level: text(info?.['level']), code: text(info?.['code']), description: text(info?.['description']) };
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms: ${what}`)), ANSWER_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
