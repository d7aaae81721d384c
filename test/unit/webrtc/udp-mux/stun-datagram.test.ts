import { datagramKind, readStun, receiverUfrag, STUN_BINDING, verifyIntegrity } from '../../../../server/webrtc/udp-mux/stun-datagram';
import { bareBindingRequest, bindingRequest, bindingResponse, dtlsRecord, rtpPacket } from './stun-messages';

describe('STUN datagrams on the shared port', () => {
  test('the first byte tells STUN, DTLS and RTP apart (RFC 7983); the rest is other', () => {
    expect(datagramKind(bindingRequest('a', 'b', 'pw'))).toBe('stun');
    expect(datagramKind(dtlsRecord())).toBe('dtls');
    expect(datagramKind(rtpPacket())).toBe('rtp');
    expect(datagramKind(Buffer.from([0x40, 1, 2]))).toBe('other');
    expect(datagramKind(Buffer.alloc(0))).toBe('other');
  });

  test("a Binding Request's class, method, USERNAME and MESSAGE-INTEGRITY are read, and the integrity checks with the right password only", () => {
    const request = bindingRequest('gatewayufrag', 'browser', 'the-gateway-password');
    const stun = readStun(request)!;
    expect(stun).toMatchObject({ class: 'request', method: STUN_BINDING, username: 'gatewayufrag:browser' });
    expect(receiverUfrag(stun.username!)).toBe('gatewayufrag');
    expect(verifyIntegrity(request, stun.integrityOffset!, Buffer.from('the-gateway-password'))).toBe(true);
    expect(verifyIntegrity(request, stun.integrityOffset!, Buffer.from('another-password'))).toBe(false);
  });

  test('a response is read as success; a bare request has neither USERNAME nor integrity', () => {
    expect(readStun(bindingResponse(Buffer.alloc(12, 7), 'pw'))).toMatchObject({ class: 'success', method: STUN_BINDING });
    const bare = readStun(bareBindingRequest())!;
    expect(bare.username).toBeUndefined();
    expect(bare.integrityOffset).toBeUndefined();
  });

  test('a tampered message fails its integrity check', () => {
    const request = bindingRequest('gatewayufrag', 'browser', 'pw');
    const stun = readStun(request)!;
    const tampered = Buffer.from(request);
    tampered[24 + 4] ^= 1; // a byte of USERNAME
    expect(verifyIntegrity(tampered, stun.integrityOffset!, Buffer.from('pw'))).toBe(false);
  });

  test.each([
    ['shorter than a header', Buffer.alloc(10)],
    ['a wrong magic cookie', (() => { const b = bindingRequest('a', 'b', 'pw'); b.writeUInt32BE(0x12345678, 4); return b; })()],
    ['a length that is not the datagram', (() => { const b = bindingRequest('a', 'b', 'pw'); b.writeUInt16BE(b.readUInt16BE(2) + 4, 2); return b; })()],
    ['an attribute running past the end', (() => { const b = bindingRequest('a', 'b', 'pw'); b.writeUInt16BE(0xfff0, 22); return b; })()],
    ['a MESSAGE-INTEGRITY of the wrong size', (() => {
      const header = Buffer.from([0, 1, 0, 8, 0x21, 0x12, 0xa4, 0x42, ...Buffer.alloc(12)]);
      return Buffer.concat([header, Buffer.from([0, 8, 0, 4, 1, 2, 3, 4])]);
    })()],
    ['the top bits of the type set', (() => { const b = bindingRequest('a', 'b', 'pw'); b[0] = 0x40; return b; })()],
  ])('%s is not STUN', (_what, data) => {
    expect(readStun(data)).toBeUndefined();
  });
});
