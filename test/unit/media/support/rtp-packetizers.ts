import type { RtpPacketView } from '../../../../server/media/rtp/rtp-packet';

/** Payload packets of one frame, before RTP headers are assigned. */
type FramePayloads = { timestamp: number; payloads: Buffer[] };

/** Numbers consecutive payloads as RTP packets: marker on each frame's last one, 1 ms apart. */
export function toRtpPackets(frames: readonly FramePayloads[], firstSequence = 0): RtpPacketView[] {
  const packets: RtpPacketView[] = [];
  for (const frame of frames) {
    frame.payloads.forEach((payload, i) => {
      packets.push({
        sequenceNumber: (firstSequence + packets.length) & 0xffff,
        timestamp: frame.timestamp >>> 0,
        marker: i === frame.payloads.length - 1,
        payload,
        receivedAt: packets.length,
      });
    });
  }
  return packets;
}

/**
 * RFC 6184 payloads of one access unit: NAL units that fit in `mtu` bytes are aggregated into
 * STAP-A packets (or sent alone), bigger ones are cut into FU-A fragments.
 */
export function h264Payloads(nalus: readonly Buffer[], mtu = 1200): Buffer[] {
  const payloads: Buffer[] = [];
  let stap: Buffer[] = [];
  let stapSize = 1;
  const flushStap = (): void => {
    if (stap.length === 1) payloads.push(stap[0]);
    else if (stap.length > 1) {
      const nri = Math.max(...stap.map((n) => n[0] & 0x60));
      payloads.push(Buffer.concat([Buffer.from([nri | 24]), ...stap.flatMap((n) => [u16(n.length), n])]));
    }
    stap = [];
    stapSize = 1;
  };
  for (const nal of nalus) {
    if (nal.length + 2 + stapSize <= mtu) {
      stap.push(nal);
      stapSize += nal.length + 2;
      continue;
    }
    flushStap();
    if (nal.length <= mtu) {
      payloads.push(nal);
      continue;
    }
    const indicator = (nal[0] & 0xe0) | 28;
    const type = nal[0] & 0x1f;
    const body = nal.subarray(1);
    for (let offset = 0; offset < body.length; offset += mtu - 2) {
      const start = offset === 0 ? 0x80 : 0;
      const end = offset + mtu - 2 >= body.length ? 0x40 : 0;
      payloads.push(Buffer.concat([Buffer.from([indicator, start | end | type]), body.subarray(offset, offset + mtu - 2)]));
    }
  }
  flushStap();
  return payloads;
}

/** RFC 7741 payloads of one VP8 frame with a 15-bit PictureID, cut at `mtu` bytes. */
export function vp8Payloads(frame: Buffer, pictureId: number, mtu = 1200): Buffer[] {
  const payloads: Buffer[] = [];
  for (let offset = 0; offset < frame.length; offset += mtu) {
    const first = offset === 0;
    const descriptor = Buffer.from([0x80 | (first ? 0x10 : 0), 0x80, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff]);
    payloads.push(Buffer.concat([descriptor, frame.subarray(offset, offset + mtu)]));
  }
  return payloads;
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}
