import dgram from 'node:dgram';
import pino from 'pino';
import { RTCPeerConnection, type RTCDataChannel } from 'werift';
import { iceGatheringDone } from '../../../../server/webrtc/ice-gathering';
import { attachPeerToMux } from '../../../../server/webrtc/udp-mux/attach-peer';
import { UdpMux } from '../../../../server/webrtc/udp-mux/udp-mux';
import { checkWeriftMuxSupport, gatherNothing } from '../../../../server/webrtc/udp-mux/werift-internals';
import { udpPortsOf } from '../../../support/udp-sockets';
import { bindingRequest, dtlsRecord, rtpPacket } from './stun-messages';

/** A werift "browser" that offers a data channel from loopback, and the gateway-side peer that answers it on the mux. */
interface Pair {
  client: RTCPeerConnection;
  server: RTCPeerConnection;
  clientChannel: RTCDataChannel;
  serverChannel: Promise<RTCDataChannel>;
  answerSdp: string;
  clientPorts: number[];
}

async function connectPair(mux: UdpMux): Promise<Pair> {
  const client = new RTCPeerConnection({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'] });
  const clientChannel = client.createDataChannel('chat');
  await client.setLocalDescription(await client.createOffer());
  await iceGatheringDone(client, 5000);
  const offerSdp = client.localDescription!.sdp;
  const clientPorts = [...offerSdp.matchAll(/a=candidate:\S+ 1 udp \d+ \S+ (\d+) typ host/g)].map((m) => Number(m[1]));

  const server = new RTCPeerConnection(gatherNothing());
  const serverChannel = new Promise<RTCDataChannel>((resolve) => server.onDataChannel.subscribe((channel) => resolve(channel)));
  await server.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  attachPeerToMux(server, mux, [{ host: '127.0.0.1', port: mux.port }]);
  await server.setLocalDescription(await server.createAnswer());
  await iceGatheringDone(server, 5000);
  const answerSdp = server.localDescription!.sdp;
  await client.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  return { client, server, clientChannel, serverChannel, answerSdp, clientPorts };
}

/** Resolves with the next message `channel` receives. */
function nextMessage(channel: RTCDataChannel): Promise<string> {
  return new Promise((resolve) => {
    const subscription = channel.onMessage.subscribe((data) => {
      subscription.unSubscribe();
      resolve(data.toString());
    });
  });
}

async function roundTrip(pair: Pair, text: string): Promise<string> {
  const channel = await pair.serverChannel;
  if (channel.readyState !== 'open') await new Promise<void>((resolve) => channel.stateChanged.subscribe((state) => state === 'open' && resolve()));
  const echoed = nextMessage(pair.clientChannel);
  const heard = nextMessage(channel);
  if (pair.clientChannel.readyState !== 'open') await new Promise<void>((resolve) => pair.clientChannel.stateChanged.subscribe((state) => state === 'open' && resolve()));
  pair.clientChannel.send(text);
  channel.send(`echo:${await heard}`);
  return echoed;
}

describe('werift peers on the shared UDP port', () => {
  let mux: UdpMux;
  const pairs: Pair[] = [];

  beforeAll(async () => {
    await checkWeriftMuxSupport();
    mux = await UdpMux.bind({ address: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
  });

  afterAll(async () => {
    for (const pair of pairs) await Promise.all([pair.client.close(), pair.server.close()]);
    await mux.close();
  });

  test('two peers connect through one socket, each answer announcing only the mux port with a 64-bit ufrag; the peers bind no socket of their own', async () => {
    const before = await udpPortsOf('self');
    pairs.push(await connectPair(mux), await connectPair(mux));
    for (const pair of pairs) {
      const candidates = [...pair.answerSdp.matchAll(/^a=candidate:.*$/gm)].map((m) => m[0]);
      expect(candidates).toEqual([expect.stringMatching(new RegExp(` udp \\d+ 127\\.0\\.0\\.1 ${mux.port} typ host`))]);
      expect(pair.answerSdp).toMatch(/^a=ice-ufrag:[0-9a-f]{16}$/m);
      expect(pair.answerSdp).toMatch(/^a=ice-pwd:[0-9a-f]{32}$/m);
    }
    expect(await roundTrip(pairs[0]!, 'to the first')).toBe('echo:to the first');
    expect(await roundTrip(pairs[1]!, 'to the second')).toBe('echo:to the second');
    // The only new UDP sockets of this process are the clients': the answering side used the mux.
    const added = (await udpPortsOf('self')).filter((port) => !before.includes(port));
    expect(added.sort()).toEqual(pairs.flatMap((pair) => pair.clientPorts).sort());
    expect(before).toContain(mux.port);
    expect(mux.stats).toMatchObject({ peers: 2, sendErrors: 0 });
  });

  test('hostile datagrams at the port (garbage, a request with the peer\'s ufrag but a wrong key, a flood from 200 addresses) are dropped and counted; the peers never notice', async () => {
    const ufrag = /^a=ice-ufrag:(\S+)$/m.exec(pairs[0]!.answerSdp)![1]!;
    const droppedBefore = Object.values(mux.stats.dropped).reduce((a, b) => a + b, 0);
    const attackers = await Promise.all(Array.from({ length: 200 }, () => bindSocket()));
    let sent = 0;
    for (const [index, attacker] of attackers.entries()) {
      const datagrams = [bindingRequest(ufrag, 'evil', 'a-guessed-password'), dtlsRecord(), rtpPacket(), Buffer.from('GET / HTTP/1.1\r\n\r\n'), bindingRequest(`nope${index}`, 'x', 'y')];
      for (const datagram of datagrams) attacker.send(datagram, mux.port, '127.0.0.1');
      sent += datagrams.length;
    }
    await waitUntil(() => Object.values(mux.stats.dropped).reduce((a, b) => a + b, 0) - droppedBefore === sent);
    expect(mux.stats.addresses).toBeLessThanOrEqual(4);
    for (const attacker of attackers) attacker.close();
    expect(await roundTrip(pairs[0]!, 'still here')).toBe('echo:still here');
    expect(await roundTrip(pairs[1]!, 'me too')).toBe('echo:me too');
    expect(pairs.every((pair) => pair.server.connectionState === 'connected')).toBe(true);
  });

  test('closing a peer unregisters it and every address it learned; the other one goes on', async () => {
    const [first, second] = pairs;
    await first!.server.close();
    await waitUntil(() => mux.stats.peers === 1);
    expect(mux.stats.addresses).toBeLessThanOrEqual(2);
    expect(await roundTrip(second!, 'after the close')).toBe('echo:after the close');
  });
});

function bindSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket)));
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
