import { MuxRegistrationError, MuxRouter } from '../../../../server/webrtc/udp-mux/mux-router';
import { Prng } from '../../../support/prng';
import { bareBindingRequest, bindingRequest, bindingResponse, dtlsRecord, rtpPacket } from './stun-messages';

interface Received {
  data: Buffer;
  address: string;
  port: number;
}

/** A router with two registered peers, alice and bob, recording what each receives. */
function twoPeers(limits = { maxPeers: 8, maxAddressesPerPeer: 4 }) {
  const router = new MuxRouter(limits);
  const received = { alice: [] as Received[], bob: [] as Received[] };
  const alice = router.register('aliceufrag', 'alice-password-0123456789', (data, address, port) => received.alice.push({ data, address, port }));
  const bob = router.register('bobufrag', 'bob-password-0123456789', (data, address, port) => received.bob.push({ data, address, port }));
  return { router, received, alice, bob };
}

/** Alice's browser at 10.0.0.1:5000 passes its first connectivity check. */
function connectAlice(router: MuxRouter): void {
  router.route(bindingRequest('aliceufrag', 'browserA', 'alice-password-0123456789'), '10.0.0.1', 5000);
}

describe('the shared-port router', () => {
  test("a Binding Request goes to the peer its USERNAME names once its integrity checks; then that address's DTLS and RTP follow it", () => {
    const { router, received } = twoPeers();
    connectAlice(router);
    router.route(dtlsRecord(), '10.0.0.1', 5000);
    router.route(rtpPacket(), '10.0.0.1', 5000);
    expect(received.alice.map((r) => r.data[0])).toEqual([0x00, 22, 0x80]);
    expect(received.alice.every((r) => r.address === '10.0.0.1' && r.port === 5000)).toBe(true);
    expect(received.bob).toEqual([]);
    expect(router.stats).toMatchObject({ peers: 2, addresses: 1, routed: 3 });
  });

  test('media from the same host on another port, or from an address never authenticated, is dropped', () => {
    const { router, received } = twoPeers();
    connectAlice(router);
    router.route(rtpPacket(), '10.0.0.1', 5001);
    router.route(dtlsRecord(), '10.0.0.2', 5000);
    expect(received.alice).toHaveLength(1);
    expect(router.stats.dropped['unknown-address']).toBe(2);
  });

  test("a request naming an unknown ufrag, a bare request and one signed with another peer's password are dropped, counted, and steal nothing", () => {
    const { router, received } = twoPeers();
    connectAlice(router);
    const attacker = { address: '10.6.6.6', port: 6666 };
    router.route(bindingRequest('nosuchufrag', 'x', 'whatever'), attacker.address, attacker.port);
    router.route(bareBindingRequest(), attacker.address, attacker.port);
    // Bob's client knows bob's password, not alice's: it cannot claim an address for alice...
    router.route(bindingRequest('aliceufrag', 'browserB', 'bob-password-0123456789'), attacker.address, attacker.port);
    // ...nor take over alice's browser address by spoofing it with a wrong signature.
    router.route(bindingRequest('aliceufrag', 'browserB', 'not-alices-password'), '10.0.0.1', 5000);
    expect(router.stats.dropped).toMatchObject({ 'unknown-ufrag': 1, unauthenticated: 3 });
    router.route(rtpPacket(), attacker.address, attacker.port);
    router.route(rtpPacket(), '10.0.0.1', 5000);
    expect(received.alice.map((r) => r.data[0])).toEqual([0x00, 0x80]);
    expect(received.bob).toEqual([]);
    expect(router.stats.addresses).toBe(1);
  });

  test('garbage of every kind from a flood of new addresses is dropped and counted, creates no state, and the connected peer keeps every packet', () => {
    const { router, received } = twoPeers();
    connectAlice(router);
    const prng = new Prng(0x6d7578);
    const floods = 20_000;
    for (let i = 0; i < floods; i++) {
      const address = `198.51.100.${i % 250}`;
      const port = 1024 + prng.below(60_000);
      const junk = Buffer.from(prng.bytes(1 + prng.below(1400)));
      // A quarter look like STUN (first byte 0..3), some are well-formed STUN with junk credentials.
      if (i % 4 === 0) junk[0] = i % 4;
      router.route(i % 10 === 0 ? bindingRequest(`u${i}`, 'x', 'y') : junk, address, port);
      if (i % 100 === 0) router.route(rtpPacket(), '10.0.0.1', 5000);
    }
    const dropped = Object.values(router.stats.dropped).reduce((a, b) => a + b, 0);
    expect(dropped).toBe(floods);
    expect(router.stats.dropped['unknown-ufrag']).toBe(floods / 10);
    expect(router.stats.addresses).toBe(1);
    expect(received.alice).toHaveLength(1 + floods / 100);
    expect(received.bob).toEqual([]);
  });

  test("a peer's addresses are bounded: its least recently confirmed one goes first, the one in use stays", () => {
    const { router, received } = twoPeers({ maxPeers: 8, maxAddressesPerPeer: 4 });
    connectAlice(router);
    for (let port = 6000; port < 6010; port++) {
      router.route(bindingRequest('aliceufrag', 'browserA', 'alice-password-0123456789'), '10.0.0.9', port);
      // The address in use is confirmed again by every consent check.
      connectAlice(router);
    }
    expect(router.stats).toMatchObject({ addresses: 4, evictedAddresses: 7 });
    received.alice.length = 0;
    router.route(rtpPacket(), '10.0.0.1', 5000);
    router.route(rtpPacket(), '10.0.0.9', 6009);
    router.route(rtpPacket(), '10.0.0.9', 6000);
    expect(received.alice.map((r) => r.port)).toEqual([5000, 6009]);
  });

  test("an address the peer sends a Binding Request to is learned weakly: the response comes back, its media does not, and it never displaces another peer's authenticated address", () => {
    const { router, received, alice, bob } = twoPeers();
    connectAlice(router);
    const check = bindingRequest('browserB', 'bobufrag', 'browser-b-password');
    router.noteSent(bob, check, '10.0.0.2', 7000);
    const response = bindingResponse(check.subarray(8, 20), 'browser-b-password');
    router.route(response, '10.0.0.2', 7000);
    router.route(rtpPacket(), '10.0.0.2', 7000);
    expect(received.bob.map((r) => r.data[0])).toEqual([0x01]);
    expect(router.stats.dropped['unknown-address']).toBe(1);

    // An offer listing alice's browser address makes bob's peer check it: alice keeps her address.
    router.noteSent(bob, bindingRequest('browserA', 'bobufrag', 'x'), '10.0.0.1', 5000);
    router.route(rtpPacket(), '10.0.0.1', 5000);
    expect(received.alice.map((r) => r.data[0])).toEqual([0x00, 0x80]);
    expect(alice.addresses.size).toBe(1);
  });

  test('an authenticated request for another peer moves the address to that peer', () => {
    const { router, received, alice, bob } = twoPeers();
    connectAlice(router);
    router.route(bindingRequest('bobufrag', 'browserB', 'bob-password-0123456789'), '10.0.0.1', 5000);
    router.route(rtpPacket(), '10.0.0.1', 5000);
    expect(received.bob.map((r) => r.data[0])).toEqual([0x00, 0x80]);
    expect(alice.addresses.size).toBe(0);
    expect(bob.addresses.size).toBe(1);
  });

  test('unregistering forgets the peer and its addresses; its ufrag is free again', () => {
    const { router, received, alice } = twoPeers();
    connectAlice(router);
    router.unregister(alice);
    router.unregister(alice);
    router.route(rtpPacket(), '10.0.0.1', 5000);
    connectAlice(router);
    expect(received.alice).toHaveLength(1);
    expect(router.stats).toMatchObject({ peers: 1, addresses: 0 });
    expect(router.stats.dropped).toMatchObject({ 'unknown-address': 1, 'unknown-ufrag': 1 });
    expect(() => router.register('aliceufrag', 'p', () => undefined)).not.toThrow();
  });

  test('peers are bounded and ufrags unique; refusals are counted', () => {
    const router = new MuxRouter({ maxPeers: 2, maxAddressesPerPeer: 4 });
    router.register('a', 'p', () => undefined);
    expect(() => router.register('a', 'p', () => undefined)).toThrow(MuxRegistrationError);
    router.register('b', 'p', () => undefined);
    expect(() => router.register('c', 'p', () => undefined)).toThrow('the shared WebRTC UDP port already serves 2 peers');
    expect(router.stats).toMatchObject({ peers: 2, refusedPeers: 1 });
  });

  test("a peer whose handler throws is counted; the other peer's packets go on", () => {
    const router = new MuxRouter({ maxPeers: 8, maxAddressesPerPeer: 4 });
    const good: number[] = [];
    router.register('bad', 'bad-password', () => {
      throw new Error('boom');
    });
    router.register('good', 'good-password', (data) => good.push(data[0]!));
    router.route(bindingRequest('bad', 'x', 'bad-password'), '10.0.0.5', 1);
    router.route(bindingRequest('good', 'y', 'good-password'), '10.0.0.6', 2);
    router.route(rtpPacket(), '10.0.0.5', 1);
    router.route(rtpPacket(), '10.0.0.6', 2);
    expect(good).toEqual([0x00, 0x80]);
    expect(router.stats).toMatchObject({ routed: 4, deliveryErrors: 2 });
  });
});
