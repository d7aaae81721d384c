import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { classes, Message, methods, parseMessage } from 'werift';
import { getFreePort } from './ports';

const STOP_TIMEOUT_MS = 5000;
/** Relay ports one server may hand out; a test needs a few. */
const RELAY_PORTS = 40;

/** A request coturn answered (logged with --verbose): `session <id>: realm <r> user <u>: incoming packet <METHOD> processed, success|error <code>: …`. */
const REQUEST_LINE = /session (\d+): realm <[^>]*> user <([^>]*)>: incoming packet (\S+) processed, (?:success|error (\d+))/;
/** A permission or channel for a peer, created or refreshed: `session <id>: peer <address[:port]> lifetime updated: <s>`. */
const PEER_LINE = /session (\d+): peer (\S+) lifetime updated/;

/** What coturn logged about the requests that carried one TURN user name. */
export interface TurnUserLog {
  /** Allocations granted (ALLOCATE answered with success). */
  readonly allocations: number;
  /** Peers (`address:port` or `address`) those allocations were given a permission or channel for. */
  readonly peers: readonly string[];
  /** Requests refused with 401 although they carried this user name: wrong credentials. */
  readonly refused: number;
}

/**
 * A private coturn (Debian's `turnserver`) on 127.0.0.1, in the foreground, with its own
 * settings on the command line (no configuration file; the SQLite user database coturn opens even
 * unused lives in a temp directory, not /var/lib/turn): TURN REST API credentials
 * from `secret` (use-auth-secret), relaying to loopback peers (the gateway under test), UDP only.
 * Start with {@link Coturn.start}; always {@link Coturn.stop}.
 */
export class Coturn {
  #output = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** The TURN (and STUN) port, UDP and TCP. */
    readonly port: number,
    /** The ports relayed transport addresses (relay candidates) are taken from, inclusive. */
    readonly relayPorts: { readonly min: number; readonly max: number },
  ) {
    child.stdout!.on('data', (data: Buffer) => (this.#output = (this.#output + data.toString()).slice(-100_000)));
    child.stderr!.on('data', (data: Buffer) => (this.#output = (this.#output + data.toString()).slice(-100_000)));
  }

  static async start(secret: string): Promise<Coturn> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'coturn-'));
    const port = await getFreePort();
    // Relay ports from a block above the listening port; coturn skips the ones in use.
    const minPort = 40_000 + ((port * 7) % 20_000);
    const relayPorts = { min: minPort, max: minPort + RELAY_PORTS };
    // --verbose: coturn logs each session's requests (user name, result) and peers only at this level.
    const child = spawn('turnserver', [
      '-n', // no configuration file
      '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1',
      `--min-port=${relayPorts.min}`, `--max-port=${relayPorts.max}`,
      '--allow-loopback-peers', '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=gateway-test',
      '--fingerprint', '--no-tls', '--no-dtls', '--no-cli', '--no-tcp-relay',
      `--userdb=${path.join(dir, 'turndb')}`, `--pidfile=${path.join(dir, 'turnserver.pid')}`, '--log-file=stdout', '--simple-log', '--verbose',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const turn = new Coturn(child, dir, port, relayPorts);
    try {
      await turn.#waitUntilAnswering(10_000);
    } catch (err) {
      await turn.stop();
      throw err;
    }
    return turn;
  }

  /** `turn:127.0.0.1:<port>?transport=udp` */
  get url(): string {
    return `turn:127.0.0.1:${this.port}?transport=udp`;
  }

  /** What coturn logged so far (sessions, allocations, permissions). */
  output(): string {
    return this.#output;
  }

  /** The allocations, peers and refusals coturn logged so far for requests made as `username`. */
  userLog(username: string): TurnUserLog {
    const lines = this.#output.split('\n');
    const sessions = new Set<string>();
    let allocations = 0;
    let refused = 0;
    for (const line of lines) {
      const [, session, user, method, errorCode] = REQUEST_LINE.exec(line) ?? [];
      if (session === undefined || user !== username) continue;
      sessions.add(session);
      if (method === 'ALLOCATE' && errorCode === undefined) allocations += 1;
      if (errorCode === '401') refused += 1;
    }
    const peers = new Set<string>();
    for (const line of lines) {
      const [, session, peer] = PEER_LINE.exec(line) ?? [];
      if (session !== undefined && peer !== undefined && sessions.has(session)) peers.add(peer);
    }
    return { allocations, peers: [...peers], refused };
  }

  async stop(): Promise<void> {
    const { child } = this;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(killer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Sends STUN Binding Requests until one is answered: the server is up. */
  async #waitUntilAnswering(timeoutMs: number): Promise<void> {
    const socket = dgram.createSocket('udp4');
    const deadline = Date.now() + timeoutMs;
    try {
      let answered = false;
      await new Promise<void>((resolve, reject) => {
        socket.on('message', (data) => {
          if (parseMessage(data)?.messageClass !== classes.RESPONSE) return;
          answered = true;
          resolve();
        });
        const probe = (): void => {
          if (answered) return;
          if (this.child.exitCode !== null) return reject(new Error(`turnserver exited with ${this.child.exitCode}:\n${this.#output}`));
          if (Date.now() > deadline) return reject(new Error(`turnserver did not answer within ${timeoutMs} ms:\n${this.#output}`));
          socket.send(new Message(methods.BINDING, classes.REQUEST).bytes, this.port, '127.0.0.1');
          setTimeout(probe, 100).unref();
        };
        probe();
      });
    } finally {
      socket.close();
    }
  }
}
