import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import pino from 'pino';
import { RtcpSrPacket, RTCPeerConnection, RTCRtpCodecParameters, type RtpHeader } from 'werift';
import type { ClipFrames } from '../../../bench/clip-frames';
import { EndReasons, type EndReason } from '../../../server/hub/end-reason';
import { msToUnits } from '../../../server/hub/frame';
import { StreamStatusInfo } from '../../../server/hub/status-info';
import type { HubStream } from '../../../server/hub/stream';
import type { LimitName } from '../../../server/metrics/limits';
import { joinAvcc, NalType, nalType, splitAvcc } from '../../../server/media/h264/nal';
import { parseSps } from '../../../server/media/h264/sps';
import { PlayRejectedError, type PlayHandle, type PlayRefusal } from '../../../server/signalling/play-service';
import { iceGatheringDone } from '../../../server/webrtc/ice-gathering';
import { NTP_TO_UNIX_MS } from '../../../server/webrtc/ntp-time';
import { WebRtcPlayService, type WebRtcPlayOptions } from '../../../server/webrtc/webrtc-play-service';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { encodeClip } from '../../support/encoded-clip';
import { opusTonePackets } from '../../support/opus-tone';
import { TestPaths } from '../../support/test-paths';
import { waitFor } from '../../support/wait-for';

const FPS = 30;
const OPUS_FRAME_MS = 20;
const VIDEO_TIMESCALE = 90_000;

/**
 * A stream written into a real hub stream in real time: an x264 clip (IDR every second, SPS and
 * PPS only in the track's parameters, as RTMP carries them) and a 440 Hz Opus tone, looped with
 * continuous timestamps on one clock.
 */
class PacedSource {
  readonly keyframeRequests: string[] = [];
  readonly stream: HubStream;
  readonly #timer: NodeJS.Timeout;

  constructor(paths: TestPaths, name: string, clip: ClipFrames, opus: readonly Buffer[]) {
    const { width, height } = parseSps(clip.sps);
    this.stream = paths.publish(name, { kind: 'rtmp', mediaSessionId: `paced-${name}`, requestKeyframe: (reason) => this.keyframeRequests.push(reason) });
    const video = this.stream.addTrack({ kind: 'video', codec: 'h264', timescale: VIDEO_TIMESCALE, params: { codec: 'h264', sps: clip.sps, pps: clip.pps, width, height } });
    const audio = this.stream.addTrack({ kind: 'audio', codec: 'opus', timescale: 48_000, params: { codec: 'opus', channels: 2 } });
    const pictures = clip.pictures.map(({ keyframe, prefix, slice }) => ({
      keyframe,
      data: joinAvcc([...splitAvcc(prefix).filter((n) => nalType(n) !== NalType.SPS && nalType(n) !== NalType.PPS), ...splitAvcc(slice)]),
    }));
    const origin = performance.now();
    let videoIndex = 0;
    let audioIndex = 0;
    this.#timer = setInterval(() => {
      const now = performance.now() - origin;
      for (; videoIndex * (1000 / FPS) <= now; videoIndex++) {
        const { keyframe, data } = pictures[videoIndex % pictures.length]!;
        const pts = msToUnits(origin + videoIndex * (1000 / FPS), VIDEO_TIMESCALE);
        this.stream.write({ track: video, pts, dts: pts, keyframe, data, wallClock: Date.now(), receivedAt: performance.now() });
      }
      for (; audioIndex * OPUS_FRAME_MS <= now; audioIndex++) {
        const pts = msToUnits(origin + audioIndex * OPUS_FRAME_MS, 48_000);
        this.stream.write({ track: audio, pts, dts: pts, keyframe: true, data: opus[audioIndex % opus.length]!, wallClock: Date.now(), receivedAt: performance.now() });
      }
    }, 10);
  }

  stop(reason: EndReason = EndReasons.publisherStop): void {
    clearInterval(this.#timer);
    this.stream.close(reason);
  }
}

/** A werift peer to view with, H.264 and Opus, on loopback. */
function weriftViewerPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceUseIpv6: false,
    // One transport from the start: werift leaves the socket of a transport the answer bundles away open.
    bundlePolicy: 'max-bundle',
    codecs: {
      video: [new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: 102, parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f', rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] })],
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
    },
  });
}

/** A plain RTCPeerConnection receiving video and audio into a <video>; its offer waits for ICE gathering (the gateway does not trickle). */
const VIEWER_PAGE = `
window.makeOffer = async () => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const video = document.createElement('video');
  // Not muted: Chromium measures the audio level only of audio it plays out.
  video.muted = false;
  video.autoplay = true;
  document.body.appendChild(video);
  const media = new MediaStream();
  pc.ontrack = (event) => { media.addTrack(event.track); video.srcObject = media; };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') resolve(); };
    setTimeout(resolve, 5000);
  });
  window.pc = pc;
  return pc.localDescription.sdp;
};
window.applyAnswer = (sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp });
window.inbound = async () => {
  const result = { framesDecoded: 0, frameWidth: 0, audioEnergy: 0, audioLevel: 0, timestamp: 0, connectionState: window.pc.connectionState };
  (await window.pc.getStats()).forEach((report) => {
    if (report.type !== 'inbound-rtp') return;
    result.timestamp = report.timestamp;
    if (report.kind === 'video') {
      result.framesDecoded = report.framesDecoded || 0;
      result.frameWidth = report.frameWidth || 0;
    } else {
      result.audioEnergy = report.totalAudioEnergy || 0;
      result.audioLevel = report.audioLevel || 0;
    }
  });
  return result;
};
`;

interface Inbound {
  framesDecoded: number;
  frameWidth: number;
  audioEnergy: number;
  audioLevel: number;
  /** ms */
  timestamp: number;
  connectionState: string;
}

/** What a play reported through its events. */
interface PlayRecord {
  playing: number;
  ended: Array<{ info: string; failed: boolean }>;
  whenEnded: Promise<void>;
}

async function openViewerPage(browser: TestBrowser): Promise<Page> {
  const page = await browser.newPage();
  await page.evaluate(VIEWER_PAGE);
  return page;
}

const inbound = (page: Page): Promise<Inbound> => page.evaluate('window.inbound()');

describe('WebRTC playback to Chromium (WebRtcPlayService)', () => {
  let dir: string;
  let clip: ClipFrames;
  let opus: Buffer[];
  let browser: TestBrowser;
  let paths: TestPaths;
  let limitsReached: LimitName[];
  let logLines: Array<Record<string, unknown>>;
  let service: WebRtcPlayService;
  const sources: PacedSource[] = [];
  const pages: Page[] = [];

  const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) });

  function makeService(maxViewers: number): WebRtcPlayService {
    const options: WebRtcPlayOptions = {
      network: { kind: 'port-range', portRange: [31001, 32000], announcedAddresses: [] },
      offer: { maxBytes: 64 * 1024, maxMediaSections: 8 },
      maxViewers,
      limits: { reached: (limit) => limitsReached.push(limit) },
    };
    return new WebRtcPlayService(paths, options);
  }

  function play(name: string, sdp: string, target = service): { record: PlayRecord; handle: Promise<PlayHandle> } {
    let ended!: () => void;
    const record: PlayRecord = { playing: 0, ended: [], whenEnded: new Promise((resolve) => (ended = resolve)) };
    const handle = target.play({ name, sdp, mediaSessionId: `viewer-${name}` }, {
      onPlaying: () => record.playing++,
      onEnded: (info, failed) => {
        record.ended.push({ info, failed });
        ended();
      },
    }, logger);
    return { record, handle };
  }

  async function refusalOf(promise: Promise<unknown>): Promise<PlayRefusal> {
    const err: unknown = await promise.then(() => undefined, (e: unknown) => e);
    if (!(err instanceof PlayRejectedError)) throw new Error(`expected a PlayRejectedError, got ${String(err)}`);
    return err.refusal;
  }

  function publish(name: string): PacedSource {
    const source = new PacedSource(paths, name, clip, opus);
    sources.push(source);
    return source;
  }

  async function viewerPage(): Promise<Page> {
    const page = await openViewerPage(browser);
    pages.push(page);
    return page;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'webrtc-play-'));
    clip = await encodeClip(dir, { width: 640, height: 360, fps: FPS, seconds: 4, gop: FPS, sampleRate: 48_000, channels: 2 });
    opus = await opusTonePackets(4);
    browser = await launchChromium();
  });

  beforeEach(() => {
    paths = new TestPaths();
    limitsReached = [];
    logLines = [];
    service = makeService(10);
  });

  afterEach(async () => {
    service.close();
    for (const source of sources.splice(0)) source.stop();
    for (const page of pages.splice(0)) await page.close();
  });

  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('Chromium decodes the video at the source rate and hears the Opus tone; the viewer ends with its stream, once, with a summary', async () => {
    const source = publish('live');
    const page = await viewerPage();
    const { record, handle } = play('live', await page.evaluate<string>('window.makeOffer()'));
    const { answerSdp } = await handle;
    expect(service.count).toBe(1);
    await page.evaluate(`window.applyAnswer(${JSON.stringify(answerSdp)})`);

    await waitFor('the first decoded frames', async () => (await inbound(page)).framesDecoded > 10, 20_000);
    expect(record.playing).toBe(1);
    const start = await inbound(page);
    // A measurement window: decoding is sampled over it, nothing is waited for.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const end = await inbound(page);
    const seconds = (end.timestamp - start.timestamp) / 1000;
    const decodedFps = (end.framesDecoded - start.framesDecoded) / seconds;
    console.log(`viewer decoded ${decodedFps.toFixed(1)} fps over ${seconds.toFixed(1)} s (source ${FPS}); audio level ${end.audioLevel.toFixed(3)}, energy ${(end.audioEnergy - start.audioEnergy).toFixed(4)} over the window`);
    expect(end.frameWidth).toBe(640);
    expect(decodedFps).toBeGreaterThanOrEqual(0.8 * FPS);
    // A 440 Hz sine at ffmpeg's default amplitude (1/8): level ~0.1, energy ~0.01 per second; silence is 0.
    expect(end.audioLevel).toBeGreaterThan(0.02);
    expect(end.audioEnergy - start.audioEnergy).toBeGreaterThan(0.001 * seconds);

    source.stop();
    await record.whenEnded;
    expect(record.ended).toEqual([{ info: StreamStatusInfo.STOPPED_BY_PUBLISHER_STOP, failed: false }]);
    expect(service.count).toBe(0);
    (await handle).stop(EndReasons.restTerminate);
    expect(record.ended).toHaveLength(1);
    const summary = logLines.find((line) => line.msg === 'viewer ended');
    expect(summary).toMatchObject({ reason: StreamStatusInfo.STOPPED_BY_PUBLISHER_STOP, plis: expect.any(Number) });
    // The video's repair (counted in the sender-history unit test): on loopback, each resend answers a NACK.
    expect(summary).toMatchObject({ nackedPackets: expect.any(Number), retransmittedPackets: expect.any(Number), restoredPackets: expect.any(Number) });
    expect(summary!.retransmittedPackets).toBeLessThanOrEqual(summary!.nackedPackets as number);
    expect(summary!.framesSent).toBeGreaterThan(FPS * 4);
    expect(summary!.packetsSent).toBeGreaterThan(summary!.framesSent as number);
    expect(summary!.bytes).toBeGreaterThan(100_000);
    expect(summary!.droppedFrames).toBe(0);
    expect(logLines.map((line) => line.msg)).toEqual(expect.arrayContaining(['viewer negotiated', 'viewer started', 'viewer ended']));
  });

  test('stop() ends a playing viewer once; closing the browser side ends another', async () => {
    publish('stopped');
    const pageA = await viewerPage();
    const pageB = await viewerPage();
    const a = play('stopped', await pageA.evaluate<string>('window.makeOffer()'));
    const b = play('stopped', await pageB.evaluate<string>('window.makeOffer()'));
    await pageA.evaluate(`window.applyAnswer(${JSON.stringify((await a.handle).answerSdp)})`);
    await pageB.evaluate(`window.applyAnswer(${JSON.stringify((await b.handle).answerSdp)})`);
    await waitFor('both viewers to decode', async () => (await inbound(pageA)).framesDecoded > 5 && (await inbound(pageB)).framesDecoded > 5, 20_000);

    const handleA = await a.handle;
    handleA.stop(EndReasons.restTerminate);
    handleA.stop(EndReasons.restTerminate);
    expect(a.record.ended).toEqual([{ info: StreamStatusInfo.STOPPED_BY_REST_TERMINATE, failed: false }]);
    expect(service.count).toBe(1);

    const closedAt = performance.now();
    await pageB.evaluate('window.pc.close()');
    await b.record.whenEnded;
    console.log(`viewer ended ${(performance.now() - closedAt).toFixed(0)} ms after its browser closed its peer`);
    expect(b.record.ended).toEqual([{ info: StreamStatusInfo.STOPPED_BY_SESSION_DISCONNECT, failed: false }]);
    expect(service.count).toBe(0);
  });

  test('a werift viewer gets continuous RTP with a marker ending each frame; its PLIs ask the publisher for one keyframe a second', async () => {
    const source = publish('pli');
    const peer = weriftViewerPeer();
    try {
      const video: RtpHeader[] = [];
      let audioPackets = 0;
      peer.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(({ header }) => {
        if (track.kind === 'video') video.push(header);
        else audioPackets++;
      }));
      peer.addTransceiver('video', { direction: 'recvonly' });
      peer.addTransceiver('audio', { direction: 'recvonly' });
      await peer.setLocalDescription(await peer.createOffer());
      await iceGatheringDone(peer, 5000);
      const { record, handle } = play('pli', peer.localDescription!.sdp);
      await peer.setRemoteDescription({ type: 'answer', sdp: (await handle).answerSdp });
      await waitFor('3 s of video', () => video.length > 0 && video.at(-1)!.timestamp - video[0]!.timestamp > 3 * VIDEO_TIMESCALE, 20_000);
      expect(record.playing).toBe(1);
      expect(audioPackets).toBeGreaterThan(100);

      // Past the cached GOP's burst: packets in sequence, one timestamp per frame 1/30 s apart, the marker on each frame's last packet.
      const steady = video.slice(video.findIndex((h) => h.timestamp - video[0]!.timestamp > VIDEO_TIMESCALE));
      for (let i = 1; i < steady.length; i++) {
        const [previous, current] = [steady[i - 1]!, steady[i]!];
        expect((current.sequenceNumber - previous.sequenceNumber) & 0xffff).toBe(1);
        const step = (current.timestamp - previous.timestamp) >>> 0;
        expect(previous.marker ? [2999, 3000, 3001] : [0]).toContain(step);
      }

      const receiver = peer.getTransceivers().find((t) => t.kind === 'video')!.receiver;
      for (let i = 0; i < 5; i++) await receiver.sendRtcpPLI(video[0]!.ssrc);
      await waitFor('the PLIs to reach the publisher', () => source.keyframeRequests.includes('viewer PLI'), 5000);
      expect(source.keyframeRequests.filter((reason) => reason === 'viewer PLI')).toEqual(['viewer PLI']);
      (await handle).stop(EndReasons.restTerminate);
      expect(logLines.find((line) => line.msg === 'viewer ended')).toMatchObject({ plis: 5 });
    } finally {
      await peer.close();
    }
  });

  test("the viewer's RTCP sender reports say when each RTP timestamp was sent (browsers sync audio and video by them)", async () => {
    publish('reports');
    const peer = weriftViewerPeer();
    try {
      /** Per kind: each sender report's NTP time and RTP timestamp, and when it arrived (ms, Unix epoch). */
      const reports: Record<'video' | 'audio', Array<{ ntpMs: number; rtpTimestamp: number; arrivedMs: number }>> = { video: [], audio: [] };
      for (const kind of ['video', 'audio'] as const) {
        peer.addTransceiver(kind, { direction: 'recvonly' }).receiver.onRtcp.subscribe((packet) => {
          if (!(packet instanceof RtcpSrPacket)) return;
          const { ntpTimestamp, rtpTimestamp } = packet.senderInfo;
          const ntpMs = (Number(ntpTimestamp >> 32n) + Number(ntpTimestamp & 0xffff_ffffn) / 2 ** 32) * 1000 - NTP_TO_UNIX_MS;
          reports[kind].push({ ntpMs, rtpTimestamp, arrivedMs: performance.timeOrigin + performance.now() });
        });
      }
      await peer.setLocalDescription(await peer.createOffer());
      await iceGatheringDone(peer, 5000);
      const { handle } = play('reports', peer.localDescription!.sdp);
      await peer.setRemoteDescription({ type: 'answer', sdp: (await handle).answerSdp });
      // werift reports every 0.5 to 1.5 s.
      await waitFor('three sender reports of each kind', () => reports.video.length >= 3 && reports.audio.length >= 3, 20_000);

      for (const [kind, clockRate] of [['video', VIDEO_TIMESCALE], ['audio', 48_000]] as const) {
        const list = reports[kind];
        // A report's time is when its last packet left, just before the report did: on loopback, moments before it arrived.
        for (const { ntpMs, arrivedMs } of list) expect(Math.abs(arrivedMs - ntpMs)).toBeLessThan(300);
        // Between two reports the NTP time moves as the RTP clock does (the source is paced in real time).
        for (let i = 1; i < list.length; i++) {
          const rtpMs = (((list[i]!.rtpTimestamp - list[i - 1]!.rtpTimestamp) >>> 0) / clockRate) * 1000;
          expect(Math.abs(list[i]!.ntpMs - list[i - 1]!.ntpMs - rtpMs)).toBeLessThan(150);
        }
      }
      (await handle).stop(EndReasons.restTerminate);
    } finally {
      await peer.close();
    }
  });

  test('an unknown stream is refused as unknown-stream', async () => {
    const page = await viewerPage();
    const offer = await page.evaluate<string>('window.makeOffer()');
    const { handle } = play('nobody', offer);
    const err = await handle.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(PlayRejectedError);
    expect(err).toMatchObject({ refusal: 'unknown-stream', message: 'Stream nobody is not published' });
  });

  test('garbage, an offer out of bounds, one without H.264 or Opus and one werift cannot read are refused as bad-offer', async () => {
    publish('picky');
    const page = await viewerPage();
    const offer = await page.evaluate<string>('window.makeOffer()');
    expect(await refusalOf(play('picky', 'this is not SDP').handle)).toBe('bad-offer');
    expect(await refusalOf(play('picky', offer + 'a=x:'.padEnd(70 * 1024, 'x') + '\r\n').handle)).toBe('bad-offer');
    expect(limitsReached).toEqual(['webrtc_offer', 'webrtc_offer']);
    // Only VP8 and G.722 left: nothing the gateway can send.
    const noCodecs = offer.replace(/(a=rtpmap:\d+ )(H264|opus)\//g, '$1X-$2/');
    expect(await refusalOf(play('picky', noCodecs).handle)).toBe('bad-offer');
    // werift reads most damage leniently; an offer without ICE credentials makes it throw.
    const noUfrag = offer.replace(/a=ice-ufrag:[^\r\n]*\r\n/g, '');
    expect(await refusalOf(play('picky', noUfrag).handle)).toBe('bad-offer');
    expect(service.count).toBe(0);
  });

  test('maxViewers bounds the viewers of the process, negotiating ones included', async () => {
    service.close();
    service = makeService(2);
    publish('popular');
    const page = await viewerPage();
    const offer = await page.evaluate<string>('window.makeOffer()');
    const first = play('popular', offer);
    const second = play('popular', offer);
    expect(await refusalOf(play('popular', offer).handle)).toBe('limit');
    expect(limitsReached).toEqual(['webrtc_viewers']);
    (await first.handle).stop(EndReasons.restTerminate);
    await second.handle;
    expect(service.count).toBe(1);
    const third = play('popular', offer);
    await third.handle;
    expect(service.count).toBe(2);
    service.close();
    expect([first, second, third].map((p) => p.record.ended.length)).toEqual([1, 1, 1]);
    expect(service.count).toBe(0);
    expect(await refusalOf(play('popular', offer).handle)).toBe('limit');
  });
});
