import type { Settings } from '../config/settings';
import type { LocalPaths } from '../paths/local-paths';
import type { PeerNetwork } from '../webrtc/network-from-settings';
import { WebRtcPlayService } from '../webrtc/webrtc-play-service';
import type { MediaNode } from './media-node';

/** The WebRTC viewers (WHEP, playStream) of one media worker's streams, from the settings. */
export function webRtcPlaying(settings: Settings, node: MediaNode, paths: Pick<LocalPaths, 'stream'>, network: PeerNetwork): WebRtcPlayService {
  return new WebRtcPlayService(paths, {
    network: network.options,
    offer: { maxBytes: settings.webrtcOfferMaxBytes, maxMediaSections: settings.webrtcOfferMaxMediaSections },
    maxViewers: settings.webrtcMaxViewers,
    limits: node.metrics,
  });
}
