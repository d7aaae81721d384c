import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { TIME_CODE_PAGE_SCRIPT } from './time-code';

/** Which SDK publishes: ours (served by the gateway) or the official @flashphoner/websdk, unchanged. */
export type SdkKind = 'ours' | 'stock';

const STOCK_SDK = path.resolve(__dirname, '..', '..', 'node_modules', '@flashphoner', 'websdk', 'flashphoner-webrtc-only.js');

/** What a test asks the page to publish. */
export interface PublishOptions {
  urlServer: string;
  name: string;
  rtmpUrl?: string;
  /** createStream's `record`: the gateway records the stream from publish to unpublish. */
  record?: boolean;
  constraints?: { audio?: unknown; video?: unknown };
  stripCodecs?: string;
  /** Sent in `connection` (createSession's authToken), for the gateway's connect REST hook. */
  authToken?: string;
  /**
   * Publish a synthetic stream instead of the fake camera: a 320x240 canvas that flashes white for
   * 100 ms each second, and a 1 kHz beep of 100 ms at the same instants (for A/V sync checks). Each
   * picture carries the wall-clock time it was drawn in a time code along its bottom (time-code.ts).
   */
  flashAndBeep?: boolean;
  /**
   * Ask for stereo audio the way the stock SDK's users do: an sdpHook that adds stereo=1 to the
   * Opus fmtp of the gateway's answer, so Chromium sends stereo Opus the gateway's SDP did not announce.
   */
  stereoAnswer?: boolean;
  /** Note when each encoded video frame leaves the browser (`sentVideoFramesAt`). */
  recordSentFrames?: boolean;
  /** More createSession options, e.g. `{ mediaOptions }` (the official SDK's RTCPeerConnection configuration). */
  sessionOptions?: Record<string, unknown>;
}

/** One end of the ICE candidate pair a browser peer connection selected, from its getStats(). */
export interface CandidateEnd {
  candidateType: string;
  address: string;
  port: number;
  protocol: string;
}

/**
 * Loaded before the SDK: records every RTCPeerConnection the page makes (either SDK), so a test can
 * read the candidate pairs they selected. With `recordSentFrames`, the senders' encoded frames pass
 * through a transform (encoded insertable streams) that notes when each video frame left the
 * encoder: where the browser itself sent nothing for a while (a busy machine, the encoder skipping).
 */
const RECORD_PEER_CONNECTIONS = `
window.peerConnections = [];
window.sentVideoFramesAt = [];
function noteEncodedFrames(sender) {
  const video = sender.track && sender.track.kind === 'video';
  const { readable, writable } = sender.createEncodedStreams();
  readable.pipeThrough(new TransformStream({
    transform(frame, out) {
      if (video && window.sentVideoFramesAt.length < 100000) window.sentVideoFramesAt.push(Date.now());
      out.enqueue(frame);
    },
  })).pipeTo(writable);
}
window.RTCPeerConnection = class extends window.RTCPeerConnection {
  constructor(config, ...rest) {
    const record = window.sentFramesWanted === true;
    super(record ? Object.assign({}, config, { encodedInsertableStreams: true }) : config, ...rest);
    this.recordsSentFrames = record;
    window.peerConnections.push(this);
  }
  addTransceiver(...args) {
    const transceiver = super.addTransceiver(...args);
    if (this.recordsSentFrames) noteEncodedFrames(transceiver.sender);
    return transceiver;
  }
  addTrack(...args) {
    const sender = super.addTrack(...args);
    if (this.recordsSentFrames) noteEncodedFrames(sender);
    return sender;
  }
};
window.selectedCandidatePairs = async () => {
  const pairs = [];
  for (const pc of window.peerConnections) {
    const stats = await pc.getStats();
    stats.forEach((report) => {
      if (report.type !== 'transport' || !report.selectedCandidatePairId) return;
      const pair = stats.get(report.selectedCandidatePairId);
      const end = (id) => { const c = stats.get(id); return { candidateType: c.candidateType, address: c.address, port: c.port, protocol: c.protocol }; };
      pairs.push({ local: end(pair.localCandidateId), remote: end(pair.remoteCandidateId) });
    });
  }
  return pairs;
};
`;

/**
 * The same page script works with both SDKs because they share the Flashphoner API names:
 * `window.publish(options)` resolves on PUBLISHING and rejects on FAILED with the server's info, or
 * when the session fails or disconnects first, with the WARN infos it got (a refused connection).
 */
const PAGE_SCRIPT = `${TIME_CODE_PAGE_SCRIPT}
window.statuses = [];
window.warnings = [];
function flashAndBeep() {
  const canvas = document.createElement('canvas');
  canvas.width = 320; canvas.height = 240;
  const g = canvas.getContext('2d');
  const audio = new AudioContext();
  const tone = audio.createOscillator();
  const gain = audio.createGain();
  const out = audio.createMediaStreamDestination();
  tone.frequency.value = 1000;
  gain.gain.value = 0;
  tone.connect(gain).connect(out);
  tone.start();
  const start = performance.now();
  window.flashesStartedAtMs = Date.now();
  (function draw() {
    const on = (performance.now() - start) % 1000 < 100;
    g.fillStyle = on ? '#fff' : '#000';
    g.fillRect(0, 0, 320, 240);
    drawTimeCode(g, Date.now());
    requestAnimationFrame(draw);
  })();
  // The beep is scheduled on the audio clock, aligned with the canvas clock at start.
  const t0 = audio.currentTime;
  for (let s = 0; s < 120; s++) {
    gain.gain.setValueAtTime(0.5, t0 + s);
    gain.gain.setValueAtTime(0, t0 + s + 0.1);
  }
  return new MediaStream([...canvas.captureStream(30).getVideoTracks(), ...out.stream.getAudioTracks()]);
}
window.publish = (o) => new Promise((resolve, reject) => {
  window.sentFramesWanted = o.recordSentFrames === true;
  Flashphoner.init({});
  const S = Flashphoner.constants.SESSION_STATUS, T = Flashphoner.constants.STREAM_STATUS;
  const session = Flashphoner.createSession(Object.assign({ urlServer: o.urlServer }, o.authToken ? { authToken: o.authToken } : {}, o.sessionOptions || {}));
  window.session = session;
  session.on(S.ESTABLISHED, () => {
    const options = { name: o.name, display: document.getElementById('display'), constraints: o.constraints || { audio: true, video: { width: 640, height: 480 } } };
    if (o.rtmpUrl) options.rtmpUrl = o.rtmpUrl;
    if (o.record) options.record = true;
    if (o.stripCodecs) options.stripCodecs = o.stripCodecs;
    // Both SDKs read constraints.customStream (ours also takes mediaStream).
    if (o.flashAndBeep) options.constraints = { customStream: flashAndBeep() };
    if (o.stereoAnswer) options.sdpHook = (sdp) => sdp.sdpString.replace(/(a=fmtp:\\d+ [^\\r\\n]*useinbandfec=1)/, '$1;stereo=1;sprop-stereo=1');
    const stream = session.createStream(options);
    window.stream = stream;
    for (const status of [T.PUBLISHING, T.UNPUBLISHED, T.FAILED]) {
      stream.on(status, () => {
        window.statuses.push(status + ':' + (stream.getInfo() || ''));
        if (status === T.PUBLISHING) resolve(status);
        else reject(new Error(status + ': ' + stream.getInfo() + (stream.getErrorInfo && stream.getErrorInfo() ? ' (' + stream.getErrorInfo() + ')' : '')));
      });
    }
    stream.publish();
  }).on(S.WARN, (e) => window.warnings.push(e.info))
    .on(S.FAILED, () => reject(new Error('session failed: ' + window.warnings.join('; '))))
    .on(S.DISCONNECTED, () => reject(new Error('session disconnected: ' + window.warnings.join('; '))));
});
window.stopPublish = () => window.stream.stop();
window.disconnect = () => window.session.disconnect();
`;

/**
 * A tiny web server for the publishing page (getUserMedia needs an http://127.0.0.1 origin, or one
 * the browser was told to treat as secure). `/ours` loads our SDK from the gateway, `/stock` the
 * official SDK from node_modules.
 */
export class PublisherPageServer {
  private constructor(private readonly server: http.Server, readonly url: string) {}

  /**
   * Serves the page on `listenAddress` (default 127.0.0.1; e.g. a namespace's host side) and a free
   * port. `gatewayHttpUrl` is where the page loads our SDK from: an address the browser can reach.
   */
  static async start(gatewayHttpUrl: string, options: { listenAddress?: string } = {}): Promise<PublisherPageServer> {
    const stockSdk = await readFile(STOCK_SDK);
    const listenAddress = options.listenAddress ?? '127.0.0.1';
    const server = http.createServer((req, res) => {
      const sdkSrc = req.url === '/stock' ? '/stock-sdk.js' : req.url === '/ours' ? `${gatewayHttpUrl}/web-sdk/gateway-sdk.js` : undefined;
      if (req.url === '/stock-sdk.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(stockSdk);
      } else if (sdkSrc) {
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><html><body><div id="display"></div><script>${RECORD_PEER_CONNECTIONS}</script><script src="${sdkSrc}"></script><script>${PAGE_SCRIPT}</script></body></html>`);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, listenAddress, resolve);
    });
    const { port } = server.address() as AddressInfo;
    return new PublisherPageServer(server, `http://${listenAddress}:${port}`);
  }

  /** Opens the page for `sdk` in `page` and publishes; resolves once the gateway says PUBLISHING. */
  async publish(page: Page, sdk: SdkKind, options: PublishOptions): Promise<void> {
    await page.goto(`${this.url}/${sdk}`);
    await page.evaluate(`window.publish(${JSON.stringify(options)})`);
  }

  /** With `flashAndBeep`: the wall-clock time of the first flash (ms since the epoch); flash k starts k seconds later. */
  async flashesStartedAtMs(page: Page): Promise<number> {
    return (await page.evaluate('window.flashesStartedAtMs')) as number;
  }

  /** With `recordSentFrames`: when each encoded video frame left the browser's encoder, ms since the epoch, in order. */
  async sentVideoFramesAt(page: Page): Promise<number[]> {
    return (await page.evaluate('window.sentVideoFramesAt')) as number[];
  }

  /** Stops the publish the way a user does (unPublishStream). */
  async stopPublish(page: Page): Promise<void> {
    await page.evaluate('window.stopPublish()');
  }

  /** The candidate pair each of the page's peer connections selected (one per transport in use). */
  async selectedCandidatePairs(page: Page): Promise<Array<{ local: CandidateEnd; remote: CandidateEnd }>> {
    return page.evaluate('window.selectedCandidatePairs()');
  }

  /** Closes the signalling session (like a page reload or a network drop). */
  async disconnect(page: Page): Promise<void> {
    await page.evaluate('window.disconnect()');
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
