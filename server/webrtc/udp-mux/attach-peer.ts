import { randomBytes } from 'node:crypto';
import { Candidate, candidateFoundation, candidatePriority, type RTCPeerConnection } from 'werift';
import type { MuxEndpoint, UdpMux } from './udp-mux';
import { iceAgentOf, stunProtocolOver, type WeriftTransport } from './werift-internals';

/** A host candidate the answer announces: an address and port clients reach the shared socket at. */
export interface HostCandidate {
  readonly host: string;
  readonly port: number;
}

/** Bytes of randomness in a peer's ufrag and password (werift's own: 2 and 11, too few to share a port). */
const UFRAG_BYTES = 8;
const PASSWORD_BYTES = 16;
const MAX_UFRAG_DRAWS = 5;

/**
 * Puts a werift peer on the shared socket: call after setRemoteDescription (its ICE transport
 * exists) and before createAnswer (which reads the credentials) and setLocalDescription (which
 * gathers). The peer gets fresh credentials (64-bit ufrag, 128-bit password: werift's 4-character
 * ufrag would collide among a few hundred peers), registers them with the mux, and announces
 * `candidates` in that order of preference. Closing the peer unregisters it.
 */
export function attachPeerToMux(peer: RTCPeerConnection, mux: UdpMux, candidates: readonly HostCandidate[]): void {
  const [primary, ...others] = candidates;
  if (primary === undefined) throw new Error('no address to announce for the WebRTC UDP port');
  const transports = peer.iceTransports;
  if (transports.length !== 1) throw new Error(`one ICE transport expected (BUNDLE), got ${transports.length}`);
  const agent = iceAgentOf(transports[0]!);
  if (agent.localCandidatesStart || agent.protocols.length > 0) throw new Error('the peer has already gathered candidates');

  let ufrag = randomBytes(UFRAG_BYTES).toString('hex');
  for (let draw = 1; mux.hasUfrag(ufrag) && draw < MAX_UFRAG_DRAWS; draw++) ufrag = randomBytes(UFRAG_BYTES).toString('hex');
  const password = randomBytes(PASSWORD_BYTES).toString('hex');
  const endpoint = mux.register(ufrag, password);
  try {
    delete agent.userHistory[agent.localUsername];
    agent.localUsername = ufrag;
    agent.localPassword = password;
    agent.userHistory[ufrag] = password;
    const protocol = stunProtocolOver(muxTransport(endpoint, mux.family, primary), hostCandidate(primary, 0, agent.generation, ufrag));
    agent.ensureProtocol(protocol);
    agent.protocols.push(protocol);
  } catch (err) {
    endpoint.close();
    throw err;
  }
  // The other addresses are the same socket: advertised only. werift answers checks to any of them
  // through the one protocol, and its own checks leave from the same socket anyway.
  others.forEach((candidate, index) => agent.localCandidates.push(hostCandidate(candidate, index + 1, agent.generation, ufrag)));
}

/** werift's transport over the mux endpoint; closing it (the peer closes its protocols) unregisters the peer. */
function muxTransport(endpoint: MuxEndpoint, family: 4 | 6, primary: HostCandidate): WeriftTransport {
  let closed = false;
  const transport: WeriftTransport = {
    type: 'udp',
    address: { address: primary.host, port: primary.port, family: family === 6 ? 'IPv6' : 'IPv4' },
    addressFamily: family,
    get closed() {
      return closed;
    },
    onData: () => undefined,
    send(data, addr) {
      // Every send names its destination: on a shared socket there is no "last peer heard".
      if (addr === undefined) return Promise.reject(new Error('the shared WebRTC UDP port sends only to an explicit address'));
      endpoint.send(data, addr[0], addr[1]);
      return Promise.resolve();
    },
    close() {
      closed = true;
      endpoint.close();
      return Promise.resolve();
    },
  };
  endpoint.onDatagram = (data, address, port) => transport.onData(data, [address, port]);
  return transport;
}

/** A host candidate; earlier ones get a higher local preference so browsers try them first. */
function hostCandidate({ host, port }: HostCandidate, rank: number, generation: number, ufrag: string): Candidate {
  return new Candidate(candidateFoundation('host', 'udp', host), 1, 'udp', candidatePriority('host', 65535 - rank), host, port, 'host', undefined, undefined, undefined, generation, ufrag);
}
