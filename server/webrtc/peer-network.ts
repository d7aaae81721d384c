import type { PeerConfig, RTCPeerConnection } from 'werift';
import { attachPeerToMux, type HostCandidate } from './udp-mux/attach-peer';
import type { UdpMux } from './udp-mux/udp-mux';
import { gatherNothing } from './udp-mux/werift-internals';

/** Where the receiving peers' ICE runs. */
export type PeerNetworkOptions =
  | {
      /** Every peer on the one shared UDP socket (webrtc_udp_port). */
      readonly kind: 'shared-port';
      readonly mux: UdpMux;
      /** The host candidates each answer announces, most preferred first (computed per peer: interfaces change). */
      readonly candidates: () => HostCandidate[];
    }
  | {
      /** Each peer binds its own UDP ports from the range (werift's own gathering). */
      readonly kind: 'port-range';
      readonly portRange: [number, number];
      /** Extra addresses announced as host candidates (a public IP); loopback is always added. */
      readonly announcedAddresses: readonly string[];
    };

/** The ICE part of a receiving peer's werift configuration. */
export function peerIceConfig(network: PeerNetworkOptions): Partial<PeerConfig> {
  if (network.kind === 'shared-port') return gatherNothing();
  return {
    // The default includes a public STUN server, unreachable from many servers and useless on loopback.
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1', ...network.announcedAddresses],
    icePortRange: network.portRange,
  };
}

/** Puts the peer on its network: call between setRemoteDescription and createAnswer. Nothing to do for a port range. */
export function attachPeerNetwork(peer: RTCPeerConnection, network: PeerNetworkOptions): void {
  if (network.kind === 'shared-port') attachPeerToMux(peer, network.mux, network.candidates());
}
