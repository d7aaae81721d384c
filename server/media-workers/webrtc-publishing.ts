import type { Settings } from '../config/settings';
import type { LocalPaths } from '../paths/local-paths';
import type { PublishStreamRequest } from '../signalling/protocol';
import type { PeerNetwork } from '../webrtc/network-from-settings';
import { WebRtcPublishService } from '../webrtc/webrtc-publish-service';
import type { MediaNode } from './media-node';

/** Shortest automatic repair window, ms: the fixed window of the versions before it adapted. */
const MIN_REPAIR_WINDOW_MS = 50;

/**
 * The WebRTC publishing of one media worker, from the settings: its streams go into `paths`, its
 * transcodes to the node's codec workers, and a publisher's own rtmpUrl and recording to `onOutputs`.
 */
export function webRtcPublishing(settings: Settings, node: MediaNode, paths: LocalPaths, network: PeerNetwork, onOutputs: (request: PublishStreamRequest) => void): WebRtcPublishService {
  return new WebRtcPublishService(paths, {
    network: network.options,
    bitrates: { start: settings.webrtcStartBitrateKbps, min: settings.webrtcMinBitrateKbps, max: settings.webrtcMaxBitrateKbps },
    media: {
      video: {
        pool: node.codecs,
        preset: settings.videoTranscodePreset,
        bitrateKbps: settings.videoTranscodeBitrateKbps,
        keyframeIntervalMs: settings.keyframeIntervalMs,
      },
      repair: { window: settings.webrtcRepairWindow, minMs: MIN_REPAIR_WINDOW_MS, maxMs: settings.webrtcRepairMaxWindowMs },
    },
    offer: { maxBytes: settings.webrtcOfferMaxBytes, maxMediaSections: settings.webrtcOfferMaxMediaSections },
    limits: node.metrics,
    onOutputs,
  });
}
