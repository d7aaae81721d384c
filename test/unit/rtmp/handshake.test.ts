import { ClientHandshake, HANDSHAKE_PACKET_SIZE, ServerHandshake } from '../../../server/rtmp/protocol/handshake';
import { RtmpProtocolError } from '../../../server/rtmp/protocol/errors';
import { splitAt } from './fixtures';

/** C0 + C1 as FFmpeg sends it: version 3, zero time, a player version (9.0.124.2) announcing the digest handshake. */
function digestStyleC0C1(): Buffer {
  const c0c1 = Buffer.alloc(1 + HANDSHAKE_PACKET_SIZE, 0x5a);
  c0c1[0] = 3;
  c0c1.writeUInt32BE(0, 1);
  Buffer.from([9, 0, 124, 2]).copy(c0c1, 5);
  return c0c1;
}

test('client and server complete the handshake with each other, bytes split anywhere', () => {
  const client = new ClientHandshake();
  const server = new ServerHandshake();
  const c0c1 = client.start();
  expect(c0c1.length).toBe(1537);
  expect(c0c1.subarray(0, 9).toString('hex')).toBe('03' + '00000000' + '00000000');

  let serverReply: Buffer | undefined;
  for (const part of splitAt(c0c1, [1, 700])) {
    const step = server.push(part);
    if (step.send !== undefined) serverReply = step.send;
    expect(step.done).toBe(false);
  }
  expect(serverReply!.length).toBe(1 + 2 * HANDSHAKE_PACKET_SIZE);
  // S1 version bytes are zero (no digest); S2 echoes C1's random bytes.
  expect(serverReply!.subarray(5, 9).toString('hex')).toBe('00000000');
  expect(serverReply!.subarray(1 + HANDSHAKE_PACKET_SIZE + 8).equals(c0c1.subarray(9))).toBe(true);

  let c2: Buffer | undefined;
  let clientDone = false;
  const firstChunk = Buffer.from([0x02, 0x00]);
  for (const part of splitAt(Buffer.concat([serverReply!, firstChunk]), [1, 1537, 2000])) {
    const step = client.push(part);
    c2 ??= step.send;
    if (step.done) {
      clientDone = true;
      expect(step.rest.toString('hex')).toBe('0200');
    }
  }
  expect(clientDone).toBe(true);
  // C2 echoes S1 (time and random), with time2 = 0.
  expect(c2!.subarray(8).equals(serverReply!.subarray(9, 1 + HANDSHAKE_PACKET_SIZE))).toBe(true);

  const final = server.push(Buffer.concat([c2!, Buffer.from([0xc3])]));
  expect(final).toMatchObject({ done: true });
  expect(final.rest.toString('hex')).toBe('c3');
});

test('the server answers a Flash digest handshake (FFmpeg, OBS) the simple way', () => {
  const c0c1 = digestStyleC0C1();
  const step = new ServerHandshake().push(c0c1);
  expect(step.send!.subarray(0, 9).toString('hex')).toBe('03' + '00000000' + '00000000');
  expect(step.send!.subarray(1 + HANDSHAKE_PACKET_SIZE).subarray(8).equals(c0c1.subarray(9))).toBe(true);
});

test('a wrong version byte is rejected with HANDSHAKE_VERSION on both sides', () => {
  expect(() => new ServerHandshake().push(Buffer.from([6]))).toThrow(expect.objectContaining({ code: 'HANDSHAKE_VERSION' }));
  const client = new ClientHandshake();
  client.start();
  const reply = Buffer.alloc(1 + HANDSHAKE_PACKET_SIZE);
  reply[0] = 0x48; // 'H': an HTTP server answering
  expect(() => client.push(reply)).toThrow(RtmpProtocolError);
});

test('nothing is sent until a whole C1 / S1 has arrived', () => {
  expect(new ServerHandshake().push(Buffer.from([3, 0, 0]))).toEqual({ done: false, rest: Buffer.alloc(0) });
  const client = new ClientHandshake();
  client.start();
  expect(client.push(Buffer.alloc(HANDSHAKE_PACKET_SIZE, 3)).send).toBeUndefined();
});
