import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PushStatus } from '../push/types';
import { DROP_REASONS, type UdpMuxStats } from '../webrtc/udp-mux/mux-router';
import type { LimitName, LimitReporter } from './limits';

/** What the metrics read when Prometheus scrapes. */
export interface MetricsSources {
  /** Every push, as of now. */
  pushes(): PushStatus[];
  /** Bytes written to targets by all pushes since start, ended ones included. */
  sentBytesTotal(): number;
  /** Source kind of every published stream ('webrtc', 'rtmp'). */
  publisherKinds(): string[];
  /** Counters of the shared WebRTC UDP port; undefined with a port per peer. */
  webrtcUdp?(): UdpMuxStats | undefined;
}

/** Latency buckets, seconds: fine below 10 ms where passthrough lives, coarse above for transcodes. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1];
const PUSH_STATES = ['pending', 'connecting', 'publishing', 'reconnecting', 'stopped', 'failed'];

/**
 * The gateway's Prometheus metrics, served at /metrics: pushes by state, bytes sent, reconnects,
 * publishers, the latency each frame spends in the gateway, and Node's process metrics.
 */
export class GatewayMetrics implements LimitReporter {
  readonly registry = new Registry();
  readonly #reconnects: Counter;
  readonly #limits: Counter<'limit'>;
  readonly #frameLatency: Histogram<'track'>;

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
    perPushGauge(this.registry, 'gateway_push_dropped_frames', 'Frames a push dropped (whole GOPs) because its target was too slow', sources, (p) => p.droppedFrames);
    perPushGauge(this.registry, 'gateway_push_queued_frames', "Frames waiting in a push's queue now", sources, (p) => p.queuedFrames);
    perPushGauge(this.registry, 'gateway_push_queued_bytes', "Bytes waiting for a push's target now (its queue and its socket)", sources, (p) => p.queuedBytes);
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
    new Gauge({
      name: 'gateway_publishers',
      help: 'Published streams by source kind',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        const counts = new Map([['webrtc', 0], ['rtmp', 0]]);
        for (const kind of sources.publisherKinds()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
        for (const [kind, count] of counts) this.set({ kind }, count);
      },
    });
    webrtcUdpMetrics(this.registry, sources);
    this.#frameLatency = new Histogram({
      name: 'gateway_frame_latency_seconds',
      help: 'Time a frame spends in the gateway: from the arrival of its first packet to its RTMP message written to the socket',
      labelNames: ['track'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
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
    this.#frameLatency.observe({ track }, latencyMs / 1000);
  }
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
