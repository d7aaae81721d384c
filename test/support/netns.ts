import { randomBytes } from 'node:crypto';
import { run, runOrThrow } from './processes';

/** A request to make from inside the namespace. */
export interface NamespacedRequest {
  readonly url: string;
  readonly init?: { method?: string; headers?: Record<string, string>; body?: string };
}

/** What a request from inside the namespace got back. */
export interface NamespacedAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * A client host that is not loopback: a network namespace joined to this one by a veth pair
 * (10.213.x.1 here, 10.213.x.2 there), made by the test and removed by close(). Needs root and
 * iproute2; traffic never leaves the machine.
 */
export class NetworkNamespace {
  private constructor(
    readonly name: string,
    private readonly hostLink: string,
    /** The host side's address, as the namespace reaches it. */
    readonly hostAddress: string,
    /** The namespace's own address, as the host sees its connections. */
    readonly clientAddress: string,
  ) {}

  static async create(): Promise<NetworkNamespace> {
    const id = randomBytes(3).toString('hex');
    const subnet = 1 + (parseInt(id.slice(0, 2), 16) % 250);
    const ns = new NetworkNamespace(`gwtest-${id}`, `gwh-${id}`, `10.213.${subnet}.1`, `10.213.${subnet}.2`);
    const peer = `gwn-${id}`;
    const ip = (...args: string[]) => runOrThrow('ip', args, { timeoutMs: 10_000 });
    try {
      await ip('netns', 'add', ns.name);
      await ip('link', 'add', ns.hostLink, 'type', 'veth', 'peer', 'name', peer);
      await ip('link', 'set', peer, 'netns', ns.name);
      await ip('addr', 'add', `${ns.hostAddress}/30`, 'dev', ns.hostLink);
      await ip('link', 'set', ns.hostLink, 'up');
      await ip('netns', 'exec', ns.name, 'ip', 'addr', 'add', `${ns.clientAddress}/30`, 'dev', peer);
      await ip('netns', 'exec', ns.name, 'ip', 'link', 'set', peer, 'up');
      await ip('netns', 'exec', ns.name, 'ip', 'link', 'set', 'lo', 'up');
    } catch (err) {
      await ns.close();
      throw err;
    }
    return ns;
  }

  /** An HTTP request made from inside the namespace (by this Node binary), bounded in time. */
  async fetch(url: string, init: NamespacedRequest['init'] = {}): Promise<NamespacedAnswer> {
    return (await this.fetchAll([{ url, init }]))[0]!;
  }

  /** HTTP requests made one after the other from inside the namespace, by one process. */
  async fetchAll(requests: readonly NamespacedRequest[]): Promise<NamespacedAnswer[]> {
    const script = `(async () => {
      const answers = [];
      for (const { url, init } of ${JSON.stringify(requests)}) {
        const r = await fetch(url, { ...init, signal: AbortSignal.timeout(8000) });
        answers.push({ status: r.status, body: await r.text() });
      }
      process.stdout.write(JSON.stringify(answers));
    })().catch((e) => { process.stderr.write(String(e)); process.exit(3); });`;
    const { stdout } = await runOrThrow('ip', ['netns', 'exec', this.name, process.execPath, '-e', script], { timeoutMs: 30_000 });
    return JSON.parse(stdout.toString()) as NamespacedAnswer[];
  }

  /** Removes the namespace and the veth pair (idempotent). */
  async close(): Promise<void> {
    await run('ip', ['link', 'del', this.hostLink], { timeoutMs: 10_000 });
    await run('ip', ['netns', 'del', this.name], { timeoutMs: 10_000 });
  }
}
