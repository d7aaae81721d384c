import { publisherCodecOrder } from './codec-preferences';
import { createCompleteOffer } from './ice-gathering';
import { stripCodecs } from './sdp-codecs';

/** A sendonly RTCPeerConnection that publishes one MediaStream to the gateway (no trickle ICE). */
export class PublisherPeer {
  private readonly connection: RTCPeerConnection;

  /**
   * @param config RTCPeerConnection configuration (session `mediaOptions`); no ICE servers unless it names some.
   * @param codecsToStrip comma-separated codec names to leave out of the offer ("" keeps all).
   */
  constructor(
    media: MediaStream,
    config: RTCConfiguration,
    private readonly codecsToStrip: string,
  ) {
    this.connection = new RTCPeerConnection({ iceServers: [], ...config });
    for (const track of media.getTracks()) {
      const transceiver = this.connection.addTransceiver(track, { direction: 'sendonly', streams: [media] });
      preferPublisherCodecs(transceiver, track.kind, codecsToStrip);
    }
  }

  /** Creates and applies the offer, waits for ICE gathering (ice-gathering.ts) and returns the SDP to send. */
  async createOffer(): Promise<string> {
    const sdp = await createCompleteOffer(this.connection);
    // Stripping the text as well covers browsers without setCodecPreferences, as the official SDK does.
    return stripCodecs(sdp, this.codecsToStrip);
  }

  /** Applies the gateway's answer SDP. */
  async acceptAnswer(sdp: string): Promise<void> {
    await this.connection.setRemoteDescription({ type: 'answer', sdp });
  }

  /** Caps the video encoder at `maxKbps` kbps (the `maxBitrate` constraint). */
  async limitVideoBitrate(maxKbps: number): Promise<void> {
    const sender = this.connection.getSenders().find((candidate) => candidate.track?.kind === 'video');
    if (sender === undefined) {
      return;
    }
    const parameters = sender.getParameters();
    if (parameters.encodings.length === 0) {
      return;
    }
    parameters.encodings[0].maxBitrate = maxKbps * 1000;
    await sender.setParameters(parameters);
  }

  /** Closes the connection; safe to call more than once. */
  close(): void {
    this.connection.close();
  }
}

/** Puts H.264 (packetization-mode=1) first and drops stripped codecs where setCodecPreferences exists. */
function preferPublisherCodecs(transceiver: RTCRtpTransceiver, kind: string, codecsToStrip: string): void {
  // Without the API the offer keeps the browser's order: the gateway copes, it just may have to transcode.
  if (typeof transceiver.setCodecPreferences !== 'function' || typeof RTCRtpSender.getCapabilities !== 'function') {
    return;
  }
  const capabilities = RTCRtpSender.getCapabilities(kind)?.codecs;
  const ordered = capabilities === undefined ? null : publisherCodecOrder(capabilities, codecsToStrip);
  if (ordered === null) {
    return;
  }
  try {
    transceiver.setCodecPreferences(ordered);
  } catch {
    // Browsers that check the list against receive capabilities may refuse it; the default order stays.
  }
}
