import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Local ports of the UDP sockets a process holds (`'self'`: this one), from /proc: its descriptors'
 * socket inodes matched against the network namespace's UDP tables. Linux only.
 */
export async function udpPortsOf(pid: number | 'self'): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const ports: number[] = [];
  for (const table of ['udp', 'udp6']) {
    const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && inodes.has(fields[9]!)) ports.push(parseInt(fields[1]!.split(':').at(-1)!, 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

/** The ports of `udpPortsOf(pid)` inside [from, to] (e.g. the gateway's media port range). */
export async function udpPortsInRange(pid: number | 'self', from: number, to: number): Promise<number[]> {
  return (await udpPortsOf(pid)).filter((port) => port >= from && port <= to);
}
