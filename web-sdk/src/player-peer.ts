import { createCompleteOffer } from './ice-gathering';
import { stripCodecs } from './sdp-codecs';

/** Which kinds of media a player asks the gateway for. */
export interface ReceivedKinds {
  audio: boolean;
  video: boolean;
}

/** A recvonly RTCPeerConnection that plays one stream from the gateway (no trickle ICE). */
export class PlayerPeer {
  private readonly connection: RTCPeerConnection;
  /**
   * The received tracks, one per kind asked for. They exist from the start (muted until media
   * arrives), so a <video> can show this stream at once whatever the answer's msid lines say.
   */
  readonly stream: MediaStream;

  /**
   * @param config RTCPeerConnection configuration (session `mediaOptions`); no ICE servers unless it names some.
   * @param codecsToStrip comma-separated codec names to leave out of the offer ("" keeps all).
   */
  constructor(
    config: RTCConfiguration,
    kinds: ReceivedKinds,
    private readonly codecsToStrip: string,
  ) {
    this.connection = new RTCPeerConnection({ iceServers: [], ...config });
    // Audio first, like the official SDK's offerToReceiveAudio/Video offer.
    const receivers = (['audio', 'video'] as const)
      .filter((kind) => kinds[kind])
      .map((kind) => this.connection.addTransceiver(kind, { direction: 'recvonly' }).receiver);
    this.stream = new MediaStream(receivers.map((receiver) => receiver.track));
  }

  /** Creates and applies the offer, waits for ICE gathering (ice-gathering.ts) and returns the SDP to send. */
  async createOffer(): Promise<string> {
    return stripCodecs(await createCompleteOffer(this.connection), this.codecsToStrip);
  }

  /** Applies the gateway's answer SDP. */
  async acceptAnswer(sdp: string): Promise<void> {
    await this.connection.setRemoteDescription({ type: 'answer', sdp });
  }

  /** Closes the connection (the received tracks end); safe to call more than once. */
  close(): void {
    this.connection.close();
  }
}
