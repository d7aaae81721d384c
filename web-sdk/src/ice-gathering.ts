/** How long an offer waits for ICE gathering before it is sent with the candidates found so far: 1500 ms. */
export const ICE_GATHERING_TIMEOUT_MS = 1500;

/**
 * Creates and applies an offer and waits for ICE gathering (at most ICE_GATHERING_TIMEOUT_MS): the
 * gateway takes no trickled candidates, so the SDP returned carries them all.
 */
export async function createCompleteOffer(connection: RTCPeerConnection): Promise<string> {
  const offer = await connection.createOffer();
  await connection.setLocalDescription(offer);
  await waitForIceGathering(connection, ICE_GATHERING_TIMEOUT_MS);
  return connection.localDescription?.sdp ?? offer.sdp ?? '';
}

/** Resolves when ICE gathering completes or after `timeoutMs` ms, whichever comes first. */
function waitForIceGathering(connection: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (connection.iceGatheringState === 'complete') {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      connection.removeEventListener('icegatheringstatechange', onChange);
      resolve();
    };
    const onChange = (): void => {
      if (connection.iceGatheringState === 'complete') {
        finish();
      }
    };
    const timer = setTimeout(finish, timeoutMs);
    connection.addEventListener('icegatheringstatechange', onChange);
  });
}
