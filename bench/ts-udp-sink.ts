import dgram from 'node:dgram';
import { isIdr, joinAvcc, splitAnnexB } from '../server/media/h264/nal';
import { buildAacRaw, buildAvcNalu } from '../server/rtmp/protocol/flv';
import { StreamTally, type StreamWindow } from './stream-tally';

/** TS packet size. */
const TS_PACKET = 188;
/** The gateway's elementary stream PIDs (server/media/containers/mpegts). */
const VIDEO_PID = 0x100;
const AUDIO_PID = 0x101;
/** ADTS header without CRC. */
const ADTS_HEADER = 7;

/**
 * UDP receivers of MPEG-TS pushes, one socket per target on 127.0.0.1, each counting what arrives
 * with the same StreamTally as the RTMP sink: every PES is turned back into the FLV tag body the
 * tally reads (H.264 in AVCC, raw AAC), timed by its PTS. Keys are the names given to `url`.
 */
export class CountingTsSink {
  readonly #sockets = new Map<string, dgram.Socket>();
  readonly #tallies = new Map<string, StreamTally>();

  /** udp:// URL of a new receiver for `key` (a free port of 127.0.0.1). */
  async url(key: string): Promise<string> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    // The default receive buffer overflows at a few Mbit/s while the bench's event loop is busy.
    socket.setRecvBufferSize(4 << 20);
    const tally = new StreamTally();
    const demuxer = new PesDemuxer(tally);
    socket.on('message', (datagram) => demuxer.push(datagram, performance.timeOrigin + performance.now()));
    this.#sockets.set(key, socket);
    this.#tallies.set(key, tally);
    return `udp://127.0.0.1:${socket.address().port}`;
  }

  /** Waits until `key` has received a video frame, up to `timeoutMs`. */
  async firstVideo(key: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#tallies.get(key)?.firstVideoAtMs === undefined) {
      if (Date.now() > deadline) throw new Error(`no video from ${key} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  resetWindows(): void {
    for (const tally of this.#tallies.values()) tally.resetWindow();
  }

  windows(): Map<string, StreamWindow> {
    return new Map([...this.#tallies].map(([key, tally]) => [key, tally.window()]));
  }

  /** Stops receiving for `key`. */
  drop(key: string): void {
    this.#sockets.get(key)?.close();
    this.#sockets.delete(key);
    this.#tallies.delete(key);
  }

  close(): void {
    for (const key of [...this.#sockets.keys()]) this.drop(key);
  }
}

/** Reassembles the video and audio PES of one TS stream and feeds each to a tally when the next one of its PID starts. */
class PesDemuxer {
  readonly #tally: StreamTally;
  readonly #pending = new Map<number, { pts: number; chunks: Buffer[] }>();
  #arrivedAtMs = 0;

  constructor(tally: StreamTally) {
    this.#tally = tally;
  }

  push(datagram: Buffer, arrivedAtMs: number): void {
    this.#arrivedAtMs = arrivedAtMs;
    for (let at = 0; at + TS_PACKET <= datagram.length; at += TS_PACKET) this.#packet(datagram.subarray(at, at + TS_PACKET));
  }

  #packet(packet: Buffer): void {
    if (packet[0] !== 0x47) return;
    const pid = ((packet[1]! & 0x1f) << 8) | packet[2]!;
    if (pid !== VIDEO_PID && pid !== AUDIO_PID) return;
    const start = (packet[1]! & 0x40) !== 0;
    const adaptation = (packet[3]! >> 4) & 0x3;
    let offset = 4;
    if (adaptation & 0x2) offset += 1 + packet[4]!;
    if (!(adaptation & 0x1) || offset >= TS_PACKET) return;
    const payload = packet.subarray(offset);
    if (start) {
      this.#flush(pid);
      const headerLength = payload[8]!;
      const pts = readTimestamp(payload, 9);
      this.#pending.set(pid, { pts, chunks: [payload.subarray(9 + headerLength)] });
    } else {
      this.#pending.get(pid)?.chunks.push(payload);
    }
  }

  #flush(pid: number): void {
    const pes = this.#pending.get(pid);
    if (!pes) return;
    this.#pending.delete(pid);
    const data = Buffer.concat(pes.chunks);
    const ms = Math.round(pes.pts / 90);
    if (pid === VIDEO_PID) {
      const nals = splitAnnexB(data).filter((nal) => nal.length > 0 && (nal[0]! & 0x1f) !== 9);
      this.#tally.onVideo(ms, Buffer.concat(buildAvcNalu(isIdr(nals), joinAvcc(nals))), this.#arrivedAtMs);
    } else if (data.length > ADTS_HEADER) {
      this.#tally.onAudio(ms, Buffer.concat(buildAacRaw(data.subarray(ADTS_HEADER))), this.#arrivedAtMs);
    }
  }
}

/** A 33-bit PES timestamp at `offset`. */
function readTimestamp(buf: Buffer, offset: number): number {
  return ((buf[offset]! >> 1) & 0x07) * 2 ** 30 + (buf.readUInt16BE(offset + 1) >> 1) * 2 ** 15 + (buf.readUInt16BE(offset + 3) >> 1);
}
