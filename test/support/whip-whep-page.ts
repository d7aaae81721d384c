import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { TIME_CODE_COLUMNS, TIME_CODE_HEIGHT, TIME_CODE_ROWS, TIME_CODE_TOP } from './time-code';

const CLIENTS = path.resolve(__dirname, '..', '..', 'node_modules', 'whip-whep');

/**
 * Drives medooze's `whip-whep` clients (npm, unchanged) in a page: `whipPublish` sends Chromium's
 * fake camera and microphone, `whepView` plays into a <video>, and `inbound()` reads what the
 * viewer received from getStats.
 */
const PAGE_SCRIPT = `
import { WHIPClient } from '/whip.js';
import { WHEPClient } from '/whep.js';
window.whipPublish = async (url, token) => {
  const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
  const pc = new RTCPeerConnection();
  for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [media] });
  const client = new WHIPClient();
  await client.publish(pc, url, token);
  window.whip = client;
  return client.resourceURL.href;
};
window.whipStop = () => window.whip.stop();
window.whepView = async (url, token) => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const video = document.createElement('video');
  // Not muted: Chromium measures the audio energy of what it plays out (autoplay is allowed by a flag).
  video.autoplay = true;
  document.body.appendChild(video);
  const media = new MediaStream();
  pc.ontrack = (event) => { media.addTrack(event.track); video.srcObject = media; };
  const client = new WHEPClient();
  await client.view(pc, url, token);
  window.whep = client;
  window.viewer = pc;
  return client.resourceURL.href;
};
window.whepStop = () => window.whep.stop();
// Each presented picture's time-code strip (time-code.ts) as 20×2 gray cells, with when it was presented.
window.timeCodes = [];
window.sampleTimeCodes = (count) => new Promise((resolve) => {
  const video = document.querySelector('video');
  const canvas = document.createElement('canvas');
  canvas.width = ${TIME_CODE_COLUMNS}; canvas.height = ${TIME_CODE_ROWS};
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const samples = [];
  const onFrame = (now, meta) => {
    const h = video.videoHeight, w = video.videoWidth;
    g.drawImage(video, 0, h * ${TIME_CODE_TOP}, w, h * ${TIME_CODE_HEIGHT}, 0, 0, ${TIME_CODE_COLUMNS}, ${TIME_CODE_ROWS});
    const pixels = g.getImageData(0, 0, ${TIME_CODE_COLUMNS}, ${TIME_CODE_ROWS}).data;
    const cells = [];
    for (let i = 0; i < pixels.length; i += 4) cells.push(Math.round((pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3));
    samples.push({ presentedAtMs: performance.timeOrigin + meta.expectedDisplayTime, cells });
    if (samples.length >= count) resolve(samples);
    else video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
});
window.inbound = async () => {
  const result = { framesDecoded: 0, framesPerSecond: 0, frameWidth: 0, audioEnergy: 0, audioSamples: 0, connectionState: window.viewer ? window.viewer.connectionState : 'none' };
  if (!window.viewer) return result;
  (await window.viewer.getStats()).forEach((report) => {
    if (report.type !== 'inbound-rtp') return;
    if (report.kind === 'video') {
      result.framesDecoded = report.framesDecoded || 0;
      result.framesPerSecond = report.framesPerSecond || 0;
      result.frameWidth = report.frameWidth || 0;
    } else {
      result.audioEnergy = report.totalAudioEnergy || 0;
      result.audioSamples = report.totalSamplesReceived || 0;
    }
  });
  return result;
};
window.ready = true;
`;

/** What a viewer page received, from getStats. */
export interface InboundStats {
  framesDecoded: number;
  framesPerSecond: number;
  frameWidth: number;
  /** totalAudioEnergy: the sum of squared levels (0..1) × seconds; silence stays at 0. */
  audioEnergy: number;
  audioSamples: number;
  connectionState: string;
}

/** A tiny web server for the WHIP/WHEP page and the clients' modules (its origin is not the gateway's: CORS applies). */
export class WhipWhepPage {
  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(): Promise<WhipWhepPage> {
    const modules = { '/whip.js': await readFile(path.join(CLIENTS, 'whip.js')), '/whep.js': await readFile(path.join(CLIENTS, 'whep.js')) };
    const server = http.createServer((req, res) => {
      const module = modules[req.url as keyof typeof modules];
      if (module) res.writeHead(200, { 'content-type': 'text/javascript' }).end(module);
      else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><html><body><script type="module">${PAGE_SCRIPT}</script></body></html>`);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return new WhipWhepPage(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  /** Opens the page in `page` and waits for its modules. */
  async open(page: Page): Promise<void> {
    await page.goto(`${this.url}/`);
    await page.waitForFunction('window.ready === true');
  }

  /** Publishes the fake camera and microphone to a WHIP endpoint; resolves with the resource URL. */
  whipPublish(page: Page, url: string, token?: string): Promise<string> {
    return page.evaluate(`window.whipPublish(${JSON.stringify(url)}, ${JSON.stringify(token)})`);
  }

  /** Plays a WHEP endpoint; resolves with the resource URL. */
  whepView(page: Page, url: string, token?: string): Promise<string> {
    return page.evaluate(`window.whepView(${JSON.stringify(url)}, ${JSON.stringify(token)})`);
  }

  /** The time-code strips of the next `count` pictures the viewer presents (a page publishing with time codes). */
  timeCodes(page: Page, count: number): Promise<Array<{ presentedAtMs: number; cells: number[] }>> {
    return page.evaluate(`window.sampleTimeCodes(${count})`);
  }

  inbound(page: Page): Promise<InboundStats> {
    return page.evaluate('window.inbound()');
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
