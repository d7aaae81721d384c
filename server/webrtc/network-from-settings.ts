import { listenFailure } from '../config/listen-failure';
import { resolveAnnounced } from '../config/resolve-announced';
import type { Settings } from '../config/settings';
import type { Logger } from '../log';
import type { PeerNetworkOptions } from './peer-network';
import { machineAddresses, muxCandidates } from './udp-mux/mux-candidates';
import { UdpMux } from './udp-mux/udp-mux';
import { checkWeriftMuxSupport } from './udp-mux/werift-internals';

/** The receiving peers' network, and the shared socket to close with the gateway (single-port mode). */
export interface PeerNetwork {
  readonly options: PeerNetworkOptions;
  readonly mux?: UdpMux;
}

/**
 * Sets up the WebRTC network from the settings, at start-up: resolves `ip`, and with
 * webrtc_udp_port binds the shared socket (after checking that werift can use it). Throws
 * ConfigError naming the setting for a name that does not resolve or a port that cannot be bound.
 */
export async function startPeerNetwork(settings: Settings, logger: Logger): Promise<PeerNetwork> {
  if (settings.webrtcUdpPort === undefined) {
    const announced = await resolveAnnounced(settings.announcedAddresses, 0);
    logger.info({ portRange: [settings.mediaPortFrom, settings.mediaPortTo], announced: announced.map((a) => a.host) }, 'WebRTC peers take their own UDP ports from the range');
    return { options: { kind: 'port-range', portRange: [settings.mediaPortFrom, settings.mediaPortTo], announcedAddresses: announced.map((a) => a.host) } };
  }
  await checkWeriftMuxSupport();
  const family = settings.webrtcUdpAddress.includes(':') ? 6 : 4;
  const announced = await resolveAnnounced(settings.announcedAddresses, family);
  let mux: UdpMux;
  try {
    mux = await UdpMux.bind({ address: settings.webrtcUdpAddress, port: settings.webrtcUdpPort, logger: logger.child({ component: 'webrtc-udp' }) });
  } catch (err) {
    throw listenFailure('webrtc_udp_port', settings.webrtcUdpAddress, settings.webrtcUdpPort, err as Error);
  }
  const candidates = () => muxCandidates({ boundAddress: settings.webrtcUdpAddress, boundPort: mux.port, announced, interfaceAddresses: machineAddresses(family) });
  logger.info({ candidates: candidates().map((c) => `${c.host}:${c.port}`) }, 'WebRTC answers announce these addresses');
  return { options: { kind: 'shared-port', mux, candidates }, mux };
}
