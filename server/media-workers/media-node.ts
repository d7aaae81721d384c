import { CODEC_POOL_DEFAULTS, CodecPool } from '../codec/codec-pool';
import { OutboundPolicy } from '../access/outbound-policy';
import { loadCaFile } from '../config/pem-files';
import type { Settings } from '../config/settings';
import type { Logger } from '../log';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { PathManager } from '../paths/path-manager';
import { srtSinkKind, udpSinkKind } from '../sinks/mpegts/mpegts-sink-kinds';
import { Recorder } from '../sinks/record/record-sink-kind';
import { rtmpSinkKind } from '../sinks/rtmp-sink-kind';
import { SinkRegistry, type SinkKind } from '../sinks/sink-kinds';
import { SqlitePushStore } from '../storage/push-store';
import { aacFromOpus } from '../transcode/aac-from-opus';
import { BatchTicker } from '../transcode/batch-ticker';
import { opusFromAac } from '../transcode/opus-from-aac';
import type { UdpMuxStats } from '../webrtc/udp-mux/mux-router';

/** Longest fragment of a recording being written, ms: at most what a crash loses. */
const RECORD_FRAGMENT_MS = 2000;

/** Media time a push may have queued before whole GOPs are dropped, ms (its bytes are bounded by rtmp_push_max_buffer). */
const PUSH_MAX_QUEUED_MS = 10_000;

/** What a media node is made with beside the settings. */
export interface MediaNodeOptions {
  /** Codec worker processes of this node. */
  readonly codecWorkers: number;
  /** More kinds of push targets beside rtmp:// and rtmps:// (embedding and tests; main process only). */
  readonly sinkKinds?: readonly SinkKind[];
  /** Counters of the shared WebRTC UDP port, on the node that has it. */
  readonly webrtcUdp?: () => UdpMuxStats | undefined;
}

/**
 * The media half of the gateway for the streams one process carries: the paths (streams, their
 * readers and pushes), the codec workers they use, and the metrics of both. The main process has
 * one; each media worker child has its own, built from the same settings.
 */
export class MediaNode {
  readonly paths: PathManager;
  readonly codecs: CodecPool;
  readonly metrics: GatewayMetrics;
  /** Which hosts push targets and webhooks may reach (outbound_allow, outbound_deny). */
  readonly outbound: OutboundPolicy;
  readonly #store: SqlitePushStore;
  #closing: Promise<void> | undefined;

  constructor(settings: Settings, logger: Logger, options: MediaNodeOptions) {
    this.codecs = new CodecPool({ ...CODEC_POOL_DEFAULTS, workers: options.codecWorkers }, logger.child({ component: 'codecs' }));
    this.metrics = new GatewayMetrics({
      pushes: () => this.paths.pushes().filter((push) => !push.config.recording).map((push) => push.status()),
      recordings: () => this.paths.pushes().filter((push) => push.config.recording).map((push) => push.status()),
      sentBytesTotal: () => this.paths.sentBytesTotal(),
      publisherKinds: () => this.paths.streams().map((stream) => stream.source.kind),
      readerLabels: () => this.paths.streams().flatMap((stream) => stream.readerLabels()),
      ...(options.webrtcUdp ? { webrtcUdp: options.webrtcUdp } : {}),
      codecs: () => this.codecs.stats(),
      publisherQualities: () => this.paths.streams().flatMap((stream) => {
        const quality = stream.source.stats?.();
        return quality ? [{ streamName: stream.name, quality }] : [];
      }),
    });
    this.outbound = new OutboundPolicy({ allow: settings.outboundAllow, deny: settings.outboundDeny });
    const tlsCa = settings.rtmpTlsCaFile ? loadCaFile('rtmp_tls_ca_file', settings.rtmpTlsCaFile) : undefined;
    this.#store = new SqlitePushStore(settings.rtmpServersDbFile);
    const sinks = new SinkRegistry().register(rtmpSinkKind({
      streamNamePrefix: settings.rtmpTransponderStreamNamePrefix,
      fullUrl: settings.rtmpTransponderFullUrl,
      flashVersion: settings.rtmpFlashVersion,
      tls: { ...(tlsCa ? { ca: tlsCa } : {}), rejectUnauthorized: settings.rtmpTlsVerify },
      connectTimeoutMs: settings.rtmpConnectTimeoutMs,
      lookup: this.outbound.checkedLookup,
      maxUnsentBytes: settings.rtmpMaxUnsentBytes,
    }));
    sinks.register(udpSinkKind({ lookup: this.outbound.checkedLookup })).register(srtSinkKind({ lookup: this.outbound.checkedLookup }));
    for (const kind of options.sinkKinds ?? []) sinks.register(kind);
    // One batch clock for both directions: a codec worker gets one message per tick for all its streams.
    const audioBatches = new BatchTicker(settings.opusToAacBatchMs);
    this.paths = new PathManager({
      derivations: [
        aacFromOpus({ pool: this.codecs, bitrateBps: settings.aacBitrateBps, batches: audioBatches, channels: settings.aacChannels }),
        opusFromAac({ pool: this.codecs, batches: audioBatches }),
      ],
      sinks,
      recorder: new Recorder({ recordDir: settings.recordDir, minFreeBytes: settings.recordMinFreeMb * 1024 * 1024, maxFragmentMs: RECORD_FRAGMENT_MS }),
      pushes: {
        backoff: { initialDelayMs: settings.rtmpPushRetryInitialDelayMs, maxDelayMs: settings.rtmpPushRetryMaxDelayMs, maxAttempts: settings.rtmpPushRetryAttempts },
        wedgeTimeoutMs: settings.rtmpPushWedgeTimeoutMs,
        readerLimits: { maxBytes: settings.rtmpPushMaxBufferBytes, maxMs: PUSH_MAX_QUEUED_MS },
        audio: { pool: this.codecs, bitrateBps: settings.aacBitrateBps },
        mediaDir: settings.mediaDir,
        autoStartUrl: settings.rtmpPushAutoStart && settings.rtmpPushAutoStartUrl ? settings.rtmpPushAutoStartUrl : undefined,
        maxPushes: settings.maxPushes,
        maxOptionBytes: settings.restMaxOptionBytes,
        maxRecordings: settings.recordMax,
      },
      store: this.#store,
      outbound: this.outbound,
      limits: this.metrics,
      sinkContext: { onFrameWritten: (track, latencyMs) => this.metrics.onFrameWritten(track, latencyMs) },
      gracePeriodMs: settings.publisherGracePeriodMs,
      logger,
    });
    this.paths.on('push-retry', () => this.metrics.onReconnect());
  }

  /** The pushes kept in the store (see PathManager.restorePushes). */
  get store(): SqlitePushStore {
    return this.#store;
  }

  /** Ends the paths, then stops the codec workers and closes the store. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.paths.close();
      await this.codecs.close();
      this.#store.close();
    })();
    return this.#closing;
  }
}
