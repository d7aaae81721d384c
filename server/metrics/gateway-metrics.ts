import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CodecPoolStats } from '../codec/codec-pool';
import type { IngestQuality } from '../hub/ingest-quality';
import type { StreamSourceKind } from '../hub/stream';
import type { PushStatus } from '../push/types';
import { DROP_REASONS, type UdpMuxStats } from '../webrtc/udp-mux/mux-router';
import { codecMetrics } from './codec-metrics';
import { PerFrameHistogram } from './per-frame-histogram';
import type { LimitName, LimitReporter } from './limits';

/** What the metrics read when Prometheus scrapes. */
export interface MetricsSources {
  /** Every push, as of now. */
  pushes(): PushStatus[];
  /** Every recording held (recorder API, `record: true`). */
  recordings(): PushStatus[];
  /** Bytes written to targets by all pushes since start, ended ones included. */
  sentBytesTotal(): number;
  /** Source kind of every published stream. */
  publisherKinds(): StreamSourceKind[];
  /** The label of every reader of every published stream ('push', 'player', 'webrtc-viewer', transcoders'). */
  readerLabels(): string[];
  /** Counters of the shared WebRTC UDP port; undefined with a port per peer. */
  webrtcUdp?(): UdpMuxStats | undefined;
  /** Receive quality of every publisher that measures it (WebRTC), by stream name. */
  publisherQualities(): PublisherQuality[];
  /** The codec workers. */
  codecs?(): CodecPoolStats;
}

/** One publisher's receive quality, for the per-publisher series. */
export interface PublisherQuality {
  readonly streamName: string;
  readonly quality: IngestQuality;
}

/** Counters of IngestQuality, each a per-publisher `gateway_publisher_<name>_total` series. */
const QUALITY_COUNTERS: ReadonlyArray<[name: string, help: string, value: (q: IngestQuality) => number]> = [
  ['packets_received', 'Video RTP packets a WebRTC publisher sent that arrived (retransmissions not included)', (q) => q.packetsReceived],
  ['packets_lost', 'Video packets of a WebRTC publisher given up on: neither arrived nor repaired within the repair window', (q) => q.packetsLost],
  ['nacks_sent', 'RTCP generic NACK messages sent to a WebRTC publisher', (q) => q.nacksSent],
  ['retransmissions_received', 'Retransmissions (RTX) from a WebRTC publisher that repaired a missing packet', (q) => q.retransmissionsReceived],
  ['duplicate_packets', 'Video packets of a WebRTC publisher dropped because the same one was already waiting', (q) => q.duplicatePackets],
  ['late_packets', 'Video packets of a WebRTC publisher that came after their slot was delivered or given up', (q) => q.latePackets],
  ['frames_dropped', 'Video frames of a WebRTC publisher dropped: damaged by a loss, or depending on one that was', (q) => q.framesDropped],
  ['keyframe_requests', 'Keyframes asked of a WebRTC publisher (RTCP PLI)', (q) => q.keyframesRequested],
];

/** Estimates of IngestQuality, in ms, each a per-publisher `gateway_publisher_<name>_seconds` gauge (absent while unknown). */
const QUALITY_GAUGES: ReadonlyArray<[name: string, help: string, valueMs: (q: IngestQuality) => number | null]> = [
  ['rtt', 'Smoothed round-trip time to a WebRTC publisher', (q) => q.rttMs],
  ['jitter', 'RFC 3550 interarrival jitter of a WebRTC publisher\'s video', (q) => q.jitterMs],
  ['repair_window', 'How long a missing video packet of a WebRTC publisher is waited for now', (q) => q.repairWindowMs],
];

/** Latency buckets, seconds: fine below 10 ms where passthrough lives, coarse above for transcodes. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1];
const PUSH_STATES = ['pending', 'connecting', 'publishing', 'reconnecting', 'stopped', 'failed'];
const PUBLISHER_KINDS: readonly StreamSourceKind[] = ['webrtc', 'whip', 'rtmp'];
/** Reader labels always reported, at 0 when none: the kinds an operator watches. */
const READER_LABELS = ['push', 'player', 'webrtc-viewer'];

/**
 * The gateway's Prometheus metrics, served at /metrics: pushes by state, bytes sent, reconnects,
 * publishers, the latency each frame spends in the gateway, and Node's process metrics.
 */
export class GatewayMetrics implements LimitReporter {
  readonly registry = new Registry();
  readonly #reconnects: Counter;
  readonly #limits: Counter<'limit'>;
  readonly #frameLatency: PerFrameHistogram;

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
    new Gauge({
      name: 'gateway_pushes',
      help: 'Pushes (transponders) by state',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const counts = new Map(PUSH_STATES.map((s) => [s, 0]));
        for (const { state } of sources.pushes()) counts.set(state, (counts.get(state) ?? 0) + 1);
        for (const [state, count] of counts) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'gateway_recordings',
      help: 'Recordings by state',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const counts = new Map(PUSH_STATES.map((s) => [s, 0]));
        for (const { state } of sources.recordings()) counts.set(state, (counts.get(state) ?? 0) + 1);
        for (const [state, count] of counts) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'gateway_recording_bytes',
      help: 'Bytes a running recording has written, every file together',
      labelNames: ['mediaSessionId', 'streamName'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const r of sources.recordings()) this.set({ mediaSessionId: r.id, streamName: r.sourceName }, r.sentBytes);
      },
    });
    perPushGauge(this.registry, 'gateway_push_dropped_frames', 'Frames a push dropped (whole GOPs) because its target was too slow', sources, (p) => p.droppedFrames);
    perPushGauge(this.registry, 'gateway_push_queued_frames', "Frames waiting in a push's queue now", sources, (p) => p.queuedFrames);
    perPushGauge(this.registry, 'gateway_push_queued_bytes', "Bytes waiting for a push's target now (its queue and its socket)", sources, (p) => p.queuedBytes);
    for (const [name, help, value] of QUALITY_COUNTERS) perPublisherCounter(this.registry, `gateway_publisher_${name}_total`, help, sources, value);
    for (const [name, help, valueMs] of QUALITY_GAUGES) perPublisherGauge(this.registry, `gateway_publisher_${name}_seconds`, help, sources, valueMs);
    let reported = 0;
    new Counter({
      name: 'gateway_push_sent_bytes_total',
      help: 'Bytes written to RTMP targets by all pushes',
      registers: [this.registry],
      collect() {
        const total = sources.sentBytesTotal();
        if (total > reported) this.inc(total - reported);
        reported = Math.max(reported, total);
      },
    });
    this.#reconnects = new Counter({ name: 'gateway_push_reconnects_total', help: 'Reconnect attempts of pushes', registers: [this.registry] });
    this.#limits = new Counter({ name: 'gateway_limit_reached_total', help: 'Requests refused and peers dropped because they reached a limit', labelNames: ['limit'], registers: [this.registry] });
    countGauge(this.registry, {
      name: 'gateway_publishers',
      help: 'Published streams by source kind',
      labelName: 'kind',
      alwaysReported: PUBLISHER_KINDS,
      values: () => sources.publisherKinds(),
    });
    countGauge(this.registry, {
      name: 'gateway_stream_readers',
      help: 'Readers of the published streams by kind: push (pushes and recordings), player (RTMP), webrtc-viewer (WHEP, playStream), aac-from-opus and opus-from-aac (transcoders)',
      labelName: 'reader',
      alwaysReported: READER_LABELS,
      values: () => sources.readerLabels(),
    });
    webrtcUdpMetrics(this.registry, sources);
    if (sources.codecs) codecMetrics(this.registry, sources.codecs);
    this.#frameLatency = new PerFrameHistogram({
      name: 'gateway_frame_latency_seconds',
      help: 'Time a frame spends in the gateway: from the arrival of its first packet to its RTMP message written to the socket',
      labelName: 'track',
      buckets: LATENCY_BUCKETS,
      registry: this.registry,
    });
  }

  /** Counts one refusal or disconnect at `limit`. */
  reached(limit: LimitName): void {
    this.#limits.inc({ limit });
  }

  /** Counts one reconnect attempt. */
  onReconnect(): void {
    this.#reconnects.inc();
  }

  /** Records the latency of one frame written to a target, ms. */
  onFrameWritten(track: 'video' | 'audio', latencyMs: number): void {
    this.#frameLatency.observe(track, latencyMs / 1000);
  }
}

/**
 * A gauge counting how often each value occurs at scrape time, one series per value; the
 * `alwaysReported` values show 0 when absent. Reset on each scrape, so a value that has gone shows
 * 0 or nothing, never its last count.
 */
function countGauge(registry: Registry, options: { name: string; help: string; labelName: string; alwaysReported: readonly string[]; values: () => readonly string[] }): void {
  const { labelName, alwaysReported, values } = options;
  new Gauge({
    name: options.name,
    help: options.help,
    labelNames: [labelName],
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map(alwaysReported.map((value) => [value, 0]));
      for (const value of values()) counts.set(value, (counts.get(value) ?? 0) + 1);
      for (const [value, count] of counts) this.set({ [labelName]: value }, count);
    },
  });
}

/** A gauge with one series per live push, labelled with its id and source stream. */
function perPushGauge(registry: Registry, name: string, help: string, sources: MetricsSources, value: (push: PushStatus) => number): void {
  new Gauge({
    name,
    help,
    labelNames: ['mediaSessionId', 'streamName'],
    registers: [registry],
    collect() {
      this.reset();
      for (const push of sources.pushes()) this.set({ mediaSessionId: push.id, streamName: push.sourceName }, value(push));
    },
  });
}

/** The shared WebRTC UDP port: peers on it, and every datagram it received, routed or dropped (by reason). */
function webrtcUdpMetrics(registry: Registry, sources: MetricsSources): void {
  new Gauge({
    name: 'gateway_webrtc_udp_peers',
    help: 'WebRTC peers registered on the shared UDP port (webrtc_udp_port)',
    registers: [registry],
    collect() {
      const stats = sources.webrtcUdp?.();
      if (stats) this.set(stats.peers);
    },
  });
  const reported = new Map<string, number>();
  new Counter({
    name: 'gateway_webrtc_udp_datagrams_total',
    help: 'Datagrams received on the shared WebRTC UDP port: routed to a peer, or dropped with a reason (malformed, unknown-ufrag, unauthenticated, unknown-address)',
    labelNames: ['outcome', 'reason'],
    registers: [registry],
    collect() {
      const stats = sources.webrtcUdp?.();
      if (!stats) return;
      const totals: Array<[{ outcome: string; reason: string }, number]> = [
        [{ outcome: 'routed', reason: '' }, stats.routed],
        ...DROP_REASONS.map((reason): [{ outcome: string; reason: string }, number] => [{ outcome: 'dropped', reason }, stats.dropped[reason]]),
      ];
      for (const [labels, total] of totals) {
        const key = `${labels.outcome}/${labels.reason}`;
        const before = reported.get(key) ?? 0;
        this.inc(labels, total - before);
        reported.set(key, total);
      }
    },
  });
}

/**
 * A counter with one series per publisher that measures its quality, labelled with its stream
 * name: set from the publisher's own count at each scrape (it starts again from 0 when the name is
 * published anew, which Prometheus reads as a counter reset).
 */
function perPublisherCounter(registry: Registry, name: string, help: string, sources: MetricsSources, value: (quality: IngestQuality) => number): void {
  new Counter({
    name,
    help,
    labelNames: ['streamName'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { streamName, quality } of sources.publisherQualities()) this.inc({ streamName }, value(quality));
    },
  });
}

/** A gauge in seconds with one series per publisher, from a value in ms (no series while it is unknown). */
function perPublisherGauge(registry: Registry, name: string, help: string, sources: MetricsSources, valueMs: (quality: IngestQuality) => number | null): void {
  new Gauge({
    name,
    help,
    labelNames: ['streamName'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { streamName, quality } of sources.publisherQualities()) {
        const ms = valueMs(quality);
        if (ms !== null) this.set({ streamName }, ms / 1000);
      }
    },
  });
}
