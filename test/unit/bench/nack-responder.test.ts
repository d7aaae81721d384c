import { RtpHeader, RtpPacket, unwrapRtx } from 'werift';
import { NackResponder, RTX_HISTORY_PACKETS } from '../../../bench/nack-responder';

const MEDIA_PT = 102;
const RTX = { payloadType: 103, ssrc: 0x5eed };

function mediaPacket(sequenceNumber: number): RtpPacket {
  return new RtpPacket(new RtpHeader({ payloadType: MEDIA_PT, sequenceNumber, timestamp: 90_000 + sequenceNumber, marker: sequenceNumber % 2 === 0 }), Buffer.from([0x41, sequenceNumber & 0xff, 7]));
}

function responderSending(): { responder: NackResponder; sent: RtpPacket[] } {
  const sent: RtpPacket[] = [];
  return { responder: new NackResponder(RTX, (packet) => sent.push(packet), 0xfffe), sent };
}

describe('NackResponder', () => {
  test('answers a NACK with RTX (RFC 4588): OSN first, RTX payload type and SSRC, its own sequence numbers across their wrap', () => {
    const { responder, sent } = responderSending();
    for (let seq = 100; seq < 110; seq++) responder.record(mediaPacket(seq));
    responder.onNack([103, 105, 106]);
    expect(sent.map((p) => p.header.sequenceNumber)).toEqual([0xfffe, 0xffff, 0]);
    for (const [i, seq] of [103, 105, 106].entries()) {
      const rtx = sent[i]!;
      expect(rtx.header).toMatchObject({ payloadType: RTX.payloadType, ssrc: RTX.ssrc, timestamp: 90_000 + seq, marker: seq % 2 === 0 });
      expect(rtx.payload.readUInt16BE(0)).toBe(seq);
      // What the receiver (werift, as the gateway runs it) makes of it: the original packet.
      const restored = unwrapRtx(rtx, MEDIA_PT, 1234);
      expect(restored.header).toMatchObject({ sequenceNumber: seq, payloadType: MEDIA_PT, timestamp: 90_000 + seq });
      expect(restored.payload).toEqual(mediaPacket(seq).payload);
    }
    expect(responder.retransmitted).toBe(3);
    expect(responder.unavailable).toBe(0);
  });

  test('packets never sent, or pushed out of the bounded history, are counted and not sent', () => {
    const { responder, sent } = responderSending();
    // One more than the history holds, across the 16-bit sequence wrap: the first one is gone.
    const first = 0x10000 - 10;
    for (let i = 0; i <= RTX_HISTORY_PACKETS; i++) responder.record(mediaPacket((first + i) & 0xffff));
    const newest = (first + RTX_HISTORY_PACKETS) & 0xffff;
    const oldestHeld = (first + 1) & 0xffff;
    responder.onNack([first, oldestHeld, newest, (newest + 1) & 0xffff]);
    expect(sent.map((p) => p.payload.readUInt16BE(0))).toEqual([oldestHeld, newest]);
    expect(responder.retransmitted).toBe(2);
    expect(responder.unavailable).toBe(2);
  });
});
