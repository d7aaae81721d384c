import { freeUdpPort } from '../../../bench/free-port';
import { BURST_30_PERCENT_1S, ImpairmentRelay, RELAY_PROFILES, type RelayProfileName } from '../../../bench/impairment-relay';
import type { Settings } from '../../../server/config/settings';
import { launchChromium, type TestBrowser } from '../../support/chromium';
import { startTestGateway, type TestGateway } from '../../support/gateway-harness';
import { NetworkNamespace } from '../../support/netns';
import { collectFrames } from '../../support/hub-readers';
import { NginxRtmp } from '../../support/nginx-rtmp';
import { killAllChildren } from '../../support/processes';
import { PublisherPageServer } from '../../support/publisher-page';
import { avSyncSamples, BURST_LEAD_S, formatQualityReport, isIntact, longestFreeze, qualityReport, streamClock, type QualityReport, type StreamWindow } from '../../support/stream-quality';
import { recordStream, type StreamRecording } from '../../support/stream-recording';

/**
 * The repair window of earlier versions, run beside `auto` as the comparison; its figures are
 * printed, not asserted. IMPAIRED_PUBLISH_COMPARE=0 leaves it out (half the CPU on a slow machine).
 */
const COMPARISON_WINDOW_MS = 50;
const RUN_COMPARISON = process.env.IMPAIRED_PUBLISH_COMPARE !== '0';

/** What the recording goes through, in order, from the moment it starts: issue 11's profiles, then the burst. */
const PHASES: ReadonlyArray<{ profile: RelayProfileName; seconds: number }> = [
  { profile: 'rtt100Jitter20Loss2', seconds: 10 },
  { profile: 'rtt250Loss1', seconds: 10 },
  // The 1 s burst of 30 % loss starts 2 s into this phase, on the 100 ms profile.
  { profile: 'rtt100Jitter20Loss2', seconds: 8 },
];
const BURST_AFTER_MS = 2000;
const RECORD_SECONDS = PHASES.reduce((sum, phase) => sum + phase.seconds, 0);

/** A pause between two video frames leaving the browser longer than this is the browser's own, ms (three frames at 30 fps). */
const SENDER_STALL_MS = 100;
/** Issue 11's bounds at the receiving end. */
const MAX_FREEZE_MS = 300;
const MAX_RECOVERY_MS = 2000;
const MAX_AV_SYNC_MS = 100;

/**
 * A gateway behind a 1:1 NAT that is an impaired link: the gateway binds its WebRTC port on
 * loopback and announces the relay's address and port (`ip=host:port`); the relay listens on the
 * host side of the namespace's veth, where the namespaced Chromium reaches it.
 */
interface ImpairedGateway {
  readonly gw: TestGateway;
  readonly relay: ImpairmentRelay;
  close(): Promise<void>;
}

async function startImpairedGateway(ns: NetworkNamespace, repairWindow: Settings['webrtcRepairWindow'], seed: number): Promise<ImpairedGateway> {
  const udpPort = await freeUdpPort();
  const relay = await ImpairmentRelay.start({ listenAddress: ns.hostAddress, targetAddress: '127.0.0.1', targetPort: udpPort, profile: RELAY_PROFILES[PHASES[0]!.profile], seed });
  try {
    const gw = await startTestGateway({
      listenAddress: '0.0.0.0',
      webrtcUdpPort: udpPort,
      webrtcUdpAddress: '127.0.0.1',
      announcedAddresses: [{ host: ns.hostAddress, port: relay.address.port }],
      webrtcRepairWindow: repairWindow,
    });
    return { gw, relay, close: async () => { await gw.close(); await relay.close(); } };
  } catch (err) {
    await relay.close();
    throw err;
  }
}

/** One publish through one impaired gateway, recorded at nginx while the relay goes through PHASES. */
interface ImpairedRun {
  readonly label: string;
  readonly recording: StreamRecording;
  readonly report: QualityReport;
  /** The damaged pictures, described. */
  readonly damaged: string[];
  /** Longest freeze starting in each phase, outside the burst's window, ms (for the report). */
  readonly phaseFreezesMs: number[];
  /** The longest freeze outside the burst where the browser did send pictures: the link's and the gateway's, ms. */
  readonly linkFreezeMs: number;
  /** The longest time the browser itself sent no picture, ms (its encoder skipping, or a busy machine). */
  readonly senderStallMs: number;
  /** Longest gap between the pictures the gateway's hub passed on, outside the burst's window, ms. */
  readonly hubLongestGapMs: number;
  /** The gateway's own account of the publisher's receive quality at the end. */
  readonly quality: Record<string, number | null>;
}

async function runImpaired(label: string, target: ImpairedGateway, nginx: NginxRtmp, pages: PublisherPageServer, browser: TestBrowser, ns: NetworkNamespace): Promise<ImpairedRun> {
  const { gw, relay } = target;
  const name = `impaired_${label}`;
  const page = await browser.newPage();
  await pages.publish(page, 'ours', { urlServer: `ws://${ns.hostAddress}:${gw.settings.wsPort}`, name, rtmpUrl: nginx.rtmpUrl('live'), flashAndBeep: true, recordSentFrames: true });
  await nginx.waitForStream('live', `rtmp_${name}`, 20_000);

  // The media really takes the relay: Chromium sends to the announced mapping, nothing else.
  const [pair] = await pages.selectedCandidatePairs(page);
  expect(pair?.remote).toMatchObject({ address: ns.hostAddress, port: relay.address.port });

  // The gateway's side of the same stretch: the pictures its hub passed on, to tell a freeze made
  // upstream (lost or never sent) from one made on the way to nginx.
  const hub = collectFrames(gw.gateway.paths.stream(name)!, { codecs: ['h264'], fromCache: false });
  const recorded = recordStream(nginx.rtmpUrl('live', `rtmp_${name}`), RECORD_SECONDS);
  const startedAtMs = Date.now();
  const phaseStartsMs: number[] = [];
  let burst: { startedAtMs: number; endsAtMs: number } | undefined;
  for (const [i, phase] of PHASES.entries()) {
    phaseStartsMs.push(Date.now());
    relay.setProfile(RELAY_PROFILES[phase.profile]);
    if (i === PHASES.length - 1) {
      await new Promise((resolve) => setTimeout(resolve, BURST_AFTER_MS));
      const started = relay.burst(BURST_30_PERCENT_1S);
      burst = { startedAtMs: started.startedAtMs, endsAtMs: started.endsAtMs };
      await started.ended;
    }
    const phaseEndMs = startedAtMs + PHASES.slice(0, i + 1).reduce((sum, p) => sum + p.seconds * 1000, 0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, phaseEndMs - Date.now())));
  }
  const recording = await recorded;
  hub.reader.close();
  const sentAt = await pages.sentVideoFramesAt(page);
  const [stream] = (await gw.api('/rest-api/stream/find', { name })).body;
  expect(stream?.quality).toBeDefined();
  await pages.stopPublish(page);
  await page.close();

  const report = qualityReport(recording, { burst: burst! });
  const clock = streamClock(recording.frames);
  const burstWindow: StreamWindow = report.burst!.window;
  // Where the browser sent nothing for a while, in stream time: those freezes are not the link's.
  const senderStalls = sentAt.slice(1).flatMap((atMs, i) => (atMs - sentAt[i]! > SENDER_STALL_MS ? [{ fromS: clock.toStreamS(sentAt[i]!), toS: clock.toStreamS(atMs) }] : []));
  const linkFreezeMs = longestFreeze(recording.frames, [burstWindow, ...senderStalls]).durationMs;
  const senderStallMs = Math.max(0, ...senderStalls.map((stall) => (stall.toS - stall.fromS) * 1000));
  const phaseFreezesMs = phaseStartsMs.map((fromMs, i) => {
    const fromS = clock.toStreamS(fromMs);
    const toS = i + 1 < phaseStartsMs.length ? clock.toStreamS(phaseStartsMs[i + 1]!) : Infinity;
    return longestGapStartingIn(recording.frames, { fromS, toS }, burstWindow);
  });
  // Hub frames carry the publisher's capture time (its sender reports' clock, this machine's).
  const hubWindow = { fromS: burst!.startedAtMs / 1000 - BURST_LEAD_S, toS: burst!.endsAtMs / 1000 };
  const hubFrames = hub.frames.map((frame) => ({ pts: frame.wallClock / 1000 }));
  const hubLongestGapMs = longestGapStartingIn(hubFrames, { fromS: -Infinity, toS: Infinity }, hubWindow);
  // Each damaged picture: its time, and how far its time code strays (unreadable: corrupt, or drawn over).
  const damaged = recording.frames.filter((frame) => !isIntact(frame, clock)).map((frame) => `${frame.pts.toFixed(2)} s: ${frame.drawnAtMs === undefined ? 'unreadable' : `${Math.round(frame.drawnAtMs - frame.pts * 1000 - clock.offsetMs)} ms`}`);
  return { label, recording, report, damaged, phaseFreezesMs, linkFreezeMs, senderStallMs, hubLongestGapMs, quality: stream.quality };
}

/** The longest gap between consecutive pictures whose first picture is in `window`, leaving out gaps that touch `exclude`, ms. */
function longestGapStartingIn(frames: ReadonlyArray<{ readonly pts: number }>, window: StreamWindow, exclude: StreamWindow): number {
  let longestMs = 0;
  for (let i = 0; i + 1 < frames.length; i++) {
    const fromS = frames[i]!.pts;
    const toS = frames[i + 1]!.pts;
    if (fromS < window.fromS || fromS >= window.toS || (fromS < exclude.toS && toS > exclude.fromS)) continue;
    longestMs = Math.max(longestMs, (toS - fromS) * 1000);
  }
  return longestMs;
}

function describeRun(run: ImpairedRun): string {
  const phases = PHASES.map((phase, i) => `${phase.profile} ${Math.round(run.phaseFreezesMs[i]!)} ms`).join(', ');
  const q = run.quality;
  return `${formatQualityReport(run.label, run.report)}\n  longest freeze per phase: ${phases}; while the browser sent pictures ${Math.round(run.linkFreezeMs)} ms (the browser sent none for ${Math.round(run.senderStallMs)} ms at most)\n  gateway: longest gap in the hub ${Math.round(run.hubLongestGapMs)} ms, ${q['packetsLost']} packets lost, ${q['nacksSent']} NACKs, ${q['retransmissionsReceived']} retransmissions, ${q['framesDropped']} frames dropped, ${q['keyframesRequested']} keyframes asked, RTT ${q['rttMs']} ms, repair window ${q['repairWindowMs']} ms${run.damaged.length === 0 ? '' : `\n  damaged pictures: ${run.damaged.slice(0, 10).join(', ')}`}`;
}

/**
 * Issue 11's check: real headless Chromium in a network namespace publishes the flash-and-beep page
 * with our SDK through the impairment relay (a 1:1 NAT the gateway announces as `ip=host:port`),
 * first 100 ms RTT with 20 ms jitter and 2 % loss, then 250 ms RTT with 1 % loss, then a 1 s burst
 * of 30 % loss; ffmpeg decodes the push at nginx-rtmp. With the repair window sized from the round
 * trip, the picture never freezes for more than 300 ms outside the burst (where the browser did send
 * pictures: its own pauses are measured and reported apart), comes back within 2 s of it, nothing
 * fails to decode and A/V sync holds. The same run with the 50 ms window of earlier versions, in
 * parallel through its own relay with the same seed, is printed beside it.
 */
describe('publishing over an impaired link', () => {
  let ns: NetworkNamespace;
  let nginx: NginxRtmp;
  let pages: PublisherPageServer;
  let browser: TestBrowser;
  const gateways: ImpairedGateway[] = [];

  beforeAll(async () => {
    ns = await NetworkNamespace.create();
    nginx = await NginxRtmp.start();
    // The same seed for both relays: the same losses and delays, as far as the packets are the same.
    gateways.push(await startImpairedGateway(ns, 'auto', 11));
    if (RUN_COMPARISON) gateways.push(await startImpairedGateway(ns, COMPARISON_WINDOW_MS, 11));
    pages = await PublisherPageServer.start(`http://${ns.hostAddress}:${gateways[0]!.gw.settings.httpPort}`, { listenAddress: ns.hostAddress });
    browser = await launchChromium({ networkNamespace: ns.name, secureOrigins: [pages.url] });
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    for (const target of gateways) await target.close();
    await nginx?.stop();
    await ns?.close();
    await killAllChildren();
  });

  test('repaired: no freeze over 300 ms outside the burst where the browser sent pictures, back within 2 s after it, nothing corrupt, A/V sync within 100 ms', async () => {
    const [repaired, comparison] = await Promise.all([
      runImpaired('auto', gateways[0]!, nginx, pages, browser, ns),
      RUN_COMPARISON ? runImpaired(`window${COMPARISON_WINDOW_MS}`, gateways[1]!, nginx, pages, browser, ns) : undefined,
    ]);
    console.log([repaired, comparison].flatMap((run) => (run === undefined ? [] : [describeRun(run)])).join('\n'));

    const { report, quality } = repaired;
    // The link was lossy and the gateway repaired it: it asked, got retransmissions, and measured the round trip.
    expect(quality['nacksSent']).toBeGreaterThan(0);
    expect(quality['retransmissionsReceived']).toBeGreaterThan(0);
    expect(quality['rttMs']).toBeGreaterThan(80);
    expect(report.frames).toBeGreaterThan(RECORD_SECONDS * 20);
    // Nothing corrupt went downstream: ffmpeg decoded every picture without complaint (a missing
    // reference is an error line), and every time code reads. A code a few tens of ms stale is
    // reported, not failed: on a busy machine the canvas is captured that much after it was drawn.
    expect(repaired.recording.errors).toEqual([]);
    expect(repaired.damaged.filter((description) => description.endsWith('unreadable'))).toEqual([]);
    expect(repaired.linkFreezeMs).toBeLessThanOrEqual(MAX_FREEZE_MS);
    expect(report.burst!.recovery).toBeDefined();
    expect(report.burst!.recovery!.afterMs).toBeLessThanOrEqual(MAX_RECOVERY_MS);
    // Every flash with its beep, but one: a single glitch of the page's audio clock on a busy machine is not a drift.
    const outOfSync = avSyncSamples(repaired.recording).filter((sample) => Math.abs(sample.offsetMs) > MAX_AV_SYNC_MS);
    expect(outOfSync.length).toBeLessThanOrEqual(1);
    expect(Math.abs(report.avSyncMedianMs!)).toBeLessThanOrEqual(MAX_AV_SYNC_MS);
  }, 180_000);
});
