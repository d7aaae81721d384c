import { Candidate, Connection, RTCPeerConnection, StunProtocol, type Address, type RTCIceTransport } from 'werift';

/**
 * The werift 0.25.2 internals the shared port relies on, typed narrowly. werift has no public way
 * to give an ICE agent a socket it does not own (werift-webrtc#650 asks for one), so a peer is
 * attached the way py-libp2p attaches aioice: a StunProtocol of our own goes into the agent's
 * protocol list before it gathers.
 *
 * - `RTCPeerConnection.iceTransports` (public): after setRemoteDescription, the ICE transports of
 *   the offer's sections; one with BUNDLE, which the offer checks require.
 * - `RTCIceTransport.connection` (public): the ICE agent, `Connection` below.
 * - `Connection.localUsername` / `localPassword` (public): the credentials createAnswer() puts in
 *   the answer; `userHistory` maps a local ufrag to its password when werift answers a check.
 * - `Connection.protocols` (private): the agent's transports. gatherCandidates() re-advertises the
 *   `localCandidate` of each one already there (the ICE-restart path, stamping the generation and
 *   ufrag) before gathering host addresses; checks are paired with every protocol's candidate.
 * - `Connection.ensureProtocol(protocol)` (private): subscribes the agent to the protocol's
 *   received requests (answered and turned into triggered checks) and data (DTLS, SRTP).
 * - `Connection.localCandidatesStart` (private): false until gathering began.
 * - `Connection.localCandidates` (public): what the answer's a=candidate lines list; also stats.
 * - Gathering with `iceUseIpv4: false, iceUseIpv6: false`, no additional host addresses and no
 *   ICE servers makes no host, STUN or TURN protocol, so werift binds no socket of its own.
 * - `StunProtocol`: its constructor binds nothing; `connectionMade()` (which would bind) is never
 *   called; `transport` is only used through `send(data, addr)`, `closed`, `close()`,
 *   `addressFamily` (request address checks) and `address` (only for werift's own candidates);
 *   `datagramReceived(data, addr)` (private) parses STUN and passes the rest on; `close()` cancels
 *   its transactions and closes the transport (so closing the peer unregisters it from the mux).
 *
 * checkWeriftMuxSupport() runs the real gathering path once at start-up, so another werift
 * version fails there and then, not on a publisher's packets.
 */
export interface IceAgentInternals {
  localUsername: string;
  localPassword: string;
  userHistory: Record<string, string>;
  generation: number;
  localCandidates: Candidate[];
  localCandidatesStart: boolean;
  protocols: StunProtocol[];
  ensureProtocol(protocol: StunProtocol): void;
  gatherCandidates(): Promise<void>;
  close(): Promise<void>;
}

/** werift's Transport as StunProtocol uses it (werift types it as its own UdpTransport class). */
export interface WeriftTransport {
  readonly type: 'udp';
  readonly address: { address: string; port: number; family: string };
  readonly addressFamily: 4 | 6;
  readonly closed: boolean;
  onData: (data: Buffer, addr: Address) => void;
  send(data: Buffer, addr?: Address): Promise<void>;
  close(): Promise<void>;
}

interface StunProtocolInternals {
  transport: WeriftTransport;
  localCandidate?: Candidate;
  localIp?: string;
  datagramReceived(data: Buffer, addr: Address): void;
}

/** The agent inside a transport, as the internals above. */
export function iceAgentOf(transport: RTCIceTransport): IceAgentInternals {
  return transport.connection as unknown as IceAgentInternals;
}

/** A StunProtocol that sends and receives through `transport` instead of a socket of its own. */
export function stunProtocolOver(transport: WeriftTransport, localCandidate: Candidate): StunProtocol {
  const protocol = new StunProtocol();
  const internals = protocol as unknown as StunProtocolInternals;
  internals.transport = transport;
  internals.localCandidate = localCandidate;
  internals.localIp = localCandidate.host;
  transport.onData = (data, addr) => internals.datagramReceived(data, addr);
  return protocol;
}

/** werift's RTCPeerConnection options that make its ICE agent gather nothing by itself (see above). */
export function gatherNothing(): { iceServers: []; iceUseIpv4: false; iceUseIpv6: false } {
  return { iceServers: [], iceUseIpv4: false, iceUseIpv6: false };
}

/** Thrown at start-up when the installed werift lacks what the shared port relies on. */
export class WeriftInternalsError extends Error {
  override readonly name = 'WeriftInternalsError';
}

/**
 * Checks, once at start-up, that werift still works the way IceAgentInternals says: the fields
 * exist, and an agent given a StunProtocol over a fake transport gathers exactly that protocol's
 * candidate and nothing else, then closes it. Throws WeriftInternalsError naming what differs.
 */
export async function checkWeriftMuxSupport(): Promise<void> {
  const problems: string[] = [];
  if (!('iceTransports' in RTCPeerConnection.prototype)) problems.push('RTCPeerConnection.iceTransports is missing');
  if (typeof (StunProtocol.prototype as unknown as Partial<StunProtocolInternals>).datagramReceived !== 'function') problems.push('StunProtocol.datagramReceived is missing');
  const agent = new Connection(false, { useIpv4: false, useIpv6: false }) as unknown as IceAgentInternals;
  if (!Array.isArray(agent.protocols)) problems.push('Connection.protocols is not an array');
  if (typeof agent.ensureProtocol !== 'function') problems.push('Connection.ensureProtocol is missing');
  if (agent.localCandidatesStart !== false) problems.push('Connection.localCandidatesStart is not false before gathering');
  if (typeof agent.userHistory !== 'object' || agent.userHistory === null) problems.push('Connection.userHistory is missing');
  if (problems.length === 0) {
    let closed = false;
    const transport: WeriftTransport = {
      type: 'udp',
      address: { address: '127.0.0.1', port: 9, family: 'IPv4' },
      addressFamily: 4,
      closed: false,
      onData: () => undefined,
      send: () => Promise.resolve(),
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };
    const candidate = new Candidate('1', 1, 'udp', 1, '127.0.0.1', 9, 'host');
    const protocol = stunProtocolOver(transport, candidate);
    agent.ensureProtocol(protocol);
    agent.protocols.push(protocol);
    await agent.gatherCandidates();
    if (agent.protocols.length !== 1 || agent.protocols[0] !== protocol) problems.push(`gathering made ${agent.protocols.length - 1} protocol(s) of its own`);
    if (agent.localCandidates.length !== 1 || agent.localCandidates[0] !== candidate) problems.push('gathering did not advertise exactly the given candidate');
    if (candidate.ufrag !== agent.localUsername) problems.push('gathering did not stamp the candidate with the local ufrag');
    await agent.close();
    if (!closed) problems.push('closing the agent did not close the protocol\'s transport');
  }
  if (problems.length > 0) {
    throw new WeriftInternalsError(`the installed werift cannot share one UDP port (written for werift 0.25.2): ${problems.join('; ')}. Set webrtc_udp_port empty to use a port per peer.`);
  }
}
