import { CLIP_FPS } from './clip';
import { RELAY_PROFILES, type RelayProfileName } from './impairment-relay';
import type { LinkFigures, LinkResult } from './link-figures';
import { RTX_HISTORY_PACKETS } from './nack-responder';
import { fixed, table } from './text-table';

/** The lossy-link table: one column per link (the clean run first), then its footnotes. */
export function formatLinkTable(link: LinkResult, phase: { streams: number; seconds: number; warmupSeconds: number }): string {
  const rows: string[][] = [['lossy link ¹¹', ...link.columns.map((c) => c.label)]];
  const add = (metric: string, pick: (c: LinkFigures) => string): void => {
    rows.push([metric, ...link.columns.map(pick)]);
  };
  const relay = (c: LinkFigures, pick: (r: NonNullable<LinkFigures['relay']>) => string): string => (c.relay ? pick(c.relay) : 'no relay');
  add('streams', (c) => String(c.streams));
  add('video frames delivered / sent ¹²', (c) => `${c.videoFramesDelivered} / ${c.videoFramesSent}`);
  add('video frames lost (%) ¹²', (c) => `${c.lostVideoFrames} (${fixed((100 * c.lostVideoFrames) / c.videoFramesSent, 1)} %)`);
  add('longest freeze, ms ¹³', (c) => fixed(c.longestFreezeMs, 0));
  add(`freezes > ${link.freezeThresholdMs} ms ¹³`, (c) => String(c.freezes));
  add('NACKs sent / RTX received ¹⁴', (c) => `${c.ingest.nacksSent} / ${c.ingest.retransmissionsReceived}`);
  add('packets given up / frames dropped ¹⁴', (c) => `${c.ingest.packetsLost} / ${c.ingest.framesDropped}`);
  add('keyframe requests ¹⁴', (c) => String(c.ingest.keyframesRequested));
  add('round trip, gateway estimate, ms ¹⁴', (c) => fixed(c.ingest.meanRttMs, 0));
  add('relay: forwarded / lost by impairment ¹⁵', (c) => relay(c, (r) => `${r.forwarded} / ${r.droppedByLoss}`));
  add('relay: dropped by bound / send failed ¹⁵', (c) => relay(c, (r) => `${r.droppedByBound} / ${r.sendFailed}`));
  add('relay event loop delay p99 / max, ms ¹⁵', (c) => relay(c, (r) => `${fixed(r.eventLoopDelayMs.p99, 1)} / ${fixed(r.eventLoopDelayMs.max, 1)}`));
  add('publishers: RTX sent / NACKed, no longer held ¹⁶', (c) => (c.publishers ? `${c.publishers.retransmissionsSent} / ${c.publishers.retransmissionsUnavailable}` : '?'));
  add('load generator: pacer lag max, ms ¹⁰', (c) => String(c.publishers?.maxPacerLagMs ?? '?'));
  const failures = link.columns.flatMap((c) => c.failures.map((f) => `${c.label}: ${f}`));
  return [table(rows), '', ...footnotes(link, phase), ...(failures.length ? ['', 'failures:', ...failures.map((f) => `  ${f}`)] : [])].join('\n');
}

function footnotes(link: LinkResult, phase: { streams: number; seconds: number; warmupSeconds: number }): string[] {
  const { toTarget, toClient } = RELAY_PROFILES[link.profile as RelayProfileName];
  const direction = (d: typeof toTarget): string => `${d.delayMs} ms ± ${d.jitterMs} ms, ${fixed(d.lossRate * 100, 1)} % loss`;
  return [
    `¹¹ clean: the gateway load phase above (loopback, no relay). Each other column: a gateway with that webrtc_repair_window whose shared UDP port is reached only through the impairment relay (bench/impairment-relay.ts, in the bench process: a 1:1 NAT announced as ip=host:port, as in the end-to-end test; the publishers answer ICE checks only from the announced address, as behind a NAT, so the media cannot take the direct loopback path), profile ${link.profile}: publisher → gateway ${direction(toTarget)}; gateway → publisher ${direction(toClient)}; ${phase.streams} streams, ${phase.seconds} s window after ${phase.warmupSeconds} s warm-up. The publishers offer NACK and RTX (apt=102) as Chromium does and answer NACKs from the last ${RTX_HISTORY_PACKETS} packets they sent; they ignore keyframe requests (the clip is pre-encoded, a keyframe every second), so a frame the gateway gives up on spoils the rest of its GOP: with a short window the losses are worse than with a browser, which would answer the request a round trip later.`,
    '¹² at the sink over the window, all streams: sent = delivered + the frames missing between them (the markers\' sequence numbers); lost = those missing.',
    `¹³ gaps between consecutive delivered video frames of a stream by RTMP timestamp (a player shows frames on their timestamps, its buffer absorbing uneven arrival): the longest of any stream, and the number longer than ${link.freezeThresholdMs} ms (${fixed((link.freezeThresholdMs * CLIP_FPS) / 1000, 0)} frame intervals at ${CLIP_FPS} fps).`,
    '¹⁴ the gateway\'s own account: quality of /rest-api/stream/find_all at both ends of the window, summed over the publishers: NACK messages sent, retransmissions that repaired a gap, packets given up on (packetsLost), frames dropped (damaged, or depending on one that was, until the next keyframe), keyframes asked for (PLI: after a give-up, and ahead of keyframe_interval when a keyframe came late); round trip: the mean of the publishers\' smoothed estimates at the end.',
    '¹⁵ the relay over the window, both directions: packets forwarded; lost on purpose (the profile\'s loss); dropped by its queue bounds or refused by a socket (its own failures: 0 when it kept up); the delay of the bench process\'s event loop, which runs the relay and the sink (perf_hooks), over the window.',
    `¹⁶ the publishers process over the whole phase: RTX packets sent on NACKs, and packets NACKed that were no longer among the last ${RTX_HISTORY_PACKETS} sent.`,
  ];
}
