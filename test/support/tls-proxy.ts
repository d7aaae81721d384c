import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';

/** PEM certificate and private key. */
export interface CertificatePair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Creates a one-day self-signed RSA certificate for `localhost` and 127.0.0.1 with openssl (bounded to 20 s). */
export async function createSelfSignedCertificate(): Promise<CertificatePair> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tls-cert-'));
  try {
    const keyPath = path.join(dir, 'key.pem');
    const certPath = path.join(dir, 'cert.pem');
    const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', ...subject, '-keyout', keyPath, '-out', certPath], {
      timeout: 20_000,
    });
    return { cert: await readFile(certPath), key: await readFile(keyPath) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A TLS-terminating TCP proxy on 127.0.0.1 in front of a local plain-TCP port (e.g. rtmps → nginx-rtmp). */
export class TlsProxy {
  readonly #sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: tls.Server,
    /** Port the proxy listens on. */
    readonly port: number,
    targetPort: number,
  ) {
    server.on('secureConnection', (client) => this.#relay(client, targetPort));
    server.on('tlsClientError', () => undefined); // a client that rejects our certificate is an expected test case
  }

  /** Listens on an OS-chosen port and forwards every decrypted connection to 127.0.0.1:targetPort. */
  static async start(options: CertificatePair & { readonly targetPort: number }): Promise<TlsProxy> {
    const server = tls.createServer({ cert: options.cert, key: options.key });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new TlsProxy(server, (server.address() as net.AddressInfo).port, options.targetPort);
  }

  /** Stops listening and cuts every relayed connection. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #relay(client: tls.TLSSocket, targetPort: number): void {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('error', () => undefined); // either side failing just ends the pair, below
      socket.on('close', () => {
        this.#sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }
}
