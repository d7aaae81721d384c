import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Router } from 'express';
import type { Settings } from './config/settings';
import { StreamStatusInfo } from './hub/status-info';
import { StreamRegistry } from './hub/stream-registry';
import type { Logger } from './log';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { createHttpApp } from './rest/http-app';
import { buildOpenApiDocument } from './rest/openapi';
import { pushRoutes } from './rest/push-routes';
import { rtmpServerRoutes } from './rest/rtmp-server-routes';
import { RtmpServerManager } from './rtmp-servers/rtmp-server-manager';
import { SignallingServer } from './signalling/signalling-server';
import { TransponderManager } from './transponder/transponder-manager';
import { StateWebhook } from './webhook/state-webhook';
import { WebRtcPublishService } from './webrtc/webrtc-publish-service';

const VERSION = '0.1.0';

/** Where things are on disk. */
export interface GatewayOptions {
  /** The built web SDK and demo page. Default: dist/web-sdk next to the compiled server. */
  webSdkDir?: string;
}

/**
 * The whole gateway, wired from its settings: the stream hub in the middle, WebRTC publishing
 * (signalling) feeding it, transponders reading it, and the REST API driving them from beside.
 */
export class Gateway {
  readonly registry = new StreamRegistry();
  readonly transponders: TransponderManager;
  readonly publishers: WebRtcPublishService;
  readonly metrics: GatewayMetrics;
  /** RTMP servers (ingest and playback) managed over /api/rtmp-servers. */
  readonly rtmpServers: RtmpServerManager;
  readonly #signalling: SignallingServer;
  readonly #webhook: StateWebhook | undefined;
  readonly #httpServers: Array<http.Server | https.Server> = [];
  readonly #log: Logger;

  private constructor(settings: Settings, logger: Logger) {
    this.#log = logger;
    const tlsCa = settings.rtmpTlsCaFile ? readFileSync(settings.rtmpTlsCaFile) : undefined;
    this.transponders = new TransponderManager(this.registry, settings, tlsCa, logger);
    this.publishers = new WebRtcPublishService(this.registry, {
      network: { portRange: [settings.mediaPortFrom, settings.mediaPortTo], announcedAddresses: settings.announcedAddresses },
      bitrates: { start: settings.webrtcStartBitrateKbps, min: settings.webrtcMinBitrateKbps, max: settings.webrtcMaxBitrateKbps },
      media: {
        audio: { ffmpegPath: settings.ffmpegPath, bitrateBps: settings.aacBitrateBps, batchMs: settings.opusToAacBatchMs },
        video: {
          ffmpegPath: settings.ffmpegPath,
          preset: settings.videoTranscodePreset,
          bitrateKbps: settings.videoTranscodeBitrateKbps,
          keyframeIntervalMs: settings.keyframeIntervalMs,
        },
      },
      onRtmpUrl: (streamName, rtmpUrl) => {
        this.transponders.startup({ streamName, rtmpUrl }).catch((err: unknown) => {
          logger.warn({ streamName, err: (err as Error).message }, 'push requested by the publisher could not start');
        });
      },
    });
    this.#signalling = new SignallingServer(this.publishers, logger);
    this.rtmpServers = new RtmpServerManager({ registry: this.registry, dbFile: settings.rtmpServersDbFile, listenAddress: settings.listenAddress, logger });
    this.metrics = new GatewayMetrics({
      pushStates: () => this.transponders.findAll().map((t) => t.state),
      sentBytesTotal: () => this.transponders.sentBytesTotal(),
      publisherKinds: () => this.registry.all().map((s) => s.source.kind),
    });
    this.transponders.on('retry', () => this.metrics.onReconnect());
    if (settings.webhookUrl) {
      const webhook = new StateWebhook(settings.webhookUrl, logger);
      this.transponders.on('state', (view) => webhook.notify(view));
      this.#webhook = webhook;
    }
    this.transponders.on('frame-written', (track, latencyMs) => this.metrics.onFrameWritten(track, latencyMs));
  }

  /** Starts everything; rejects (after cleaning up) if a port cannot be bound or a file is missing. */
  static async start(settings: Settings, logger: Logger, options: GatewayOptions = {}): Promise<Gateway> {
    const gateway = new Gateway(settings, logger);
    try {
      await gateway.#listen(settings, options.webSdkDir ?? path.resolve(__dirname, '..', 'web-sdk'));
    } catch (err) {
      await gateway.close();
      throw err;
    }
    return gateway;
  }

  async #listen(settings: Settings, webSdkDir: string): Promise<void> {
    const tls = settings.tlsCertificateFile && settings.tlsPrivateKeyFile
      ? { cert: readFileSync(settings.tlsCertificateFile), key: readFileSync(settings.tlsPrivateKeyFile) }
      : undefined;
    const host = settings.listenAddress;
    await this.#signalling.listen({ host, wsPort: settings.wsPort, wssPort: settings.wssPort, ...(tls ? { tls } : {}) });
    await this.rtmpServers.restore();

    const restApi = Router();
    restApi.get('/openapi.json', (_req, res) => void res.json(buildOpenApiDocument(VERSION)));
    restApi.use('/push', pushRoutes(this.transponders));
    const metrics = Router();
    metrics.get('/', async (_req, res) => {
      res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
    });
    const sdkInfo = Router();
    sdkInfo.get('/server-info.json', (_req, res) => void res.json({ wsPort: settings.wsPort, wssPort: tls ? settings.wssPort : null }));
    const app = createHttpApp({
      routers: { '/rest-api': restApi, '/api/rtmp-servers': rtmpServerRoutes(this.rtmpServers, settings.apiAccessToken), '/metrics': metrics, '/web-sdk': sdkInfo },
      staticDirs: { '/web-sdk': webSdkDir, '/': path.join(webSdkDir, 'demo') },
      corsAllowOrigin: settings.corsAllowOrigin,
      logger: this.#log,
    });
    await this.#listenHttp(http.createServer(app), host, settings.httpPort, 'http');
    if (tls) await this.#listenHttp(https.createServer(tls, app), host, settings.httpsPort, 'https');
  }

  async #listenHttp(server: http.Server | https.Server, host: string, port: number, scheme: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#httpServers.push(server);
    this.#log.info({ url: `${scheme}://${host}:${port}` }, 'REST API and demo page listening');
  }

  /** Stops accepting, closes every push cleanly (FCUnpublish, deleteStream), ends every publish. */
  async close(): Promise<void> {
    await this.transponders.closeAll();
    await this.#webhook?.close();
    await this.#signalling.close();
    this.publishers.closeAll(StreamStatusInfo.STOPPED_BY_SERVER_SHUTDOWN);
    await this.rtmpServers.close();
    await Promise.all(
      this.#httpServers.map((server) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
    );
  }
}
