import dgram from 'node:dgram';

/** Datagrams received on a UDP port, with their arrival times. */
export interface UdpReceiver {
  readonly port: number;
  readonly datagrams: Array<{ atMs: number; bytes: number }>;
  /** The datagrams themselves, in arrival order. */
  readonly chunks: Buffer[];
  close(): void;
}

/** A plain UDP socket on 127.0.0.1 that keeps every datagram (joined to multicast `group` when given). */
export async function udpReceiver(group?: string): Promise<UdpReceiver> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: group !== undefined });
  await new Promise<void>((resolve) => socket.bind(0, group === undefined ? '127.0.0.1' : undefined, resolve));
  if (group !== undefined) socket.addMembership(group, '127.0.0.1');
  socket.setRecvBufferSize(8 << 20);
  const datagrams: UdpReceiver['datagrams'] = [];
  const chunks: Buffer[] = [];
  socket.on('message', (datagram) => {
    datagrams.push({ atMs: performance.now(), bytes: datagram.length });
    chunks.push(datagram);
  });
  return { port: socket.address().port, datagrams, chunks, close: () => socket.close() };
}

/** The most bytes that arrived within any `windowMs`. */
export function largestBurst(datagrams: UdpReceiver['datagrams'], windowMs: number): number {
  let largest = 0;
  let sum = 0;
  let from = 0;
  for (let to = 0; to < datagrams.length; to++) {
    sum += datagrams[to]!.bytes;
    while (datagrams[to]!.atMs - datagrams[from]!.atMs > windowMs) sum -= datagrams[from++]!.bytes;
    largest = Math.max(largest, sum);
  }
  return largest;
}
