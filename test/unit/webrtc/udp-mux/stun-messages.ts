import { classes, Message, methods } from 'werift';

/**
 * STUN messages as an ICE agent writes them (werift's own encoder, so the router is checked against
 * a second implementation): a Binding Request from `sender` to `receiver`'s ufrag, signed with `key`.
 */
export function bindingRequest(receiverUfrag: string, senderUfrag: string, key: string, options: { useCandidate?: boolean } = {}): Buffer {
  const request = new Message(methods.BINDING, classes.REQUEST)
    .setAttribute('USERNAME', `${receiverUfrag}:${senderUfrag}`)
    .setAttribute('PRIORITY', 1853824767)
    .setAttribute('ICE-CONTROLLING', 12345n);
  if (options.useCandidate) request.setAttribute('USE-CANDIDATE', null);
  return request.addMessageIntegrity(Buffer.from(key, 'utf8')).addFingerprint().bytes;
}

/** A Binding success response carrying `transactionId`, signed with `key`. */
export function bindingResponse(transactionId: Buffer, key: string): Buffer {
  return new Message(methods.BINDING, classes.RESPONSE, transactionId)
    .setAttribute('XOR-MAPPED-ADDRESS', ['127.0.0.1', 5000])
    .addMessageIntegrity(Buffer.from(key, 'utf8'))
    .addFingerprint().bytes;
}

/** A Binding Request without USERNAME nor MESSAGE-INTEGRITY (a plain STUN server query). */
export function bareBindingRequest(): Buffer {
  return new Message(methods.BINDING, classes.REQUEST).bytes;
}

/** A DTLS record header followed by filler: what the router sees of a handshake. */
export function dtlsRecord(length = 100): Buffer {
  const record = Buffer.alloc(length, 0xab);
  record[0] = 22; // handshake
  return record;
}

/** An RTP-looking datagram (version 2). */
export function rtpPacket(length = 1200): Buffer {
  const packet = Buffer.alloc(length, 0x11);
  packet[0] = 0x80;
  packet[1] = 96;
  return packet;
}
