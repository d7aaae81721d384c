import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import os, { availableParallelism } from 'node:os';
import path from 'node:path';
import { Router } from 'express';
import { HttpAccess } from './access/http-access';
import type { CodecPool } from './codec/codec-pool';
import { PasswordFile } from './access/password-file';
import { RateLimiter } from './access/rate-limiter';
import { listenFailure } from './config/listen-failure';
import { loadServerTlsFiles } from './config/pem-files';
import type { Settings } from './config/settings';
import { restHookOptions } from './hooks/hook-settings';
import { ClientIceServers } from './ice-servers/client-ice-servers';
import { iceServerSettings } from './ice-servers/ice-server-settings';
import { iceServersRoute } from './ice-servers/ice-servers-route';
import { RestHookClient } from './hooks/rest-hook-client';
import type { Logger } from './log';
import type { GatewayMetrics } from './metrics/gateway-metrics';
import { MediaNode } from './media-workers/media-node';
import { MediaWorkerPool } from './media-workers/media-worker-pool';
import { rtmpClientLimits } from './media-workers/rtmp-limit-settings';
import { rtmpStreamPlacement } from './media-workers/rtmp-placement';
import type { PathDirectory } from './paths/path-directory';
import type { PathManager } from './paths/path-manager';
import { createHttpApp } from './rest/http-app';
import { buildOpenApiDocument } from './rest/openapi';
import { pushRoutes } from './rest/push-routes';
import { omeErrorBody } from './rest/ome/ome-error-body';
import { omePushRoutes } from './rest/ome/ome-push-routes';
import { rtmpServerRoutes } from './rest/rtmp-server-routes';
import { streamRoutes } from './rest/stream-routes';
import { transponderView } from './rest/transponder-view';
import { RtmpServerManager } from './rtmp-servers/rtmp-server-manager';
import { askValidationWebhook } from './rtmp-servers/validation-webhook';
import type { PlayService } from './signalling/play-service';
import type { PublishService } from './signalling/publish-service';
import { SignallingServer } from './signalling/signalling-server';
import { signallingLimits } from './signalling/signalling-settings';
import type { SinkKind } from './sinks/sink-kinds';
import { StateWebhook } from './webhook/state-webhook';
import { publisherOutputs, recordingDefaults } from './media-workers/publisher-outputs';
import { RECORDS_MOUNT, RecordLinks } from './records/record-links';
import { recordDownloadRoutes } from './records/record-download-routes';
import { recordingWebhook } from './records/recording-webhook';
import { S3Uploader, type S3UploadSettings } from './records/s3-uploader';
import { recoverRecordings } from './sinks/record/recover-recordings';
import { recorderRoutes } from './rest/recorder-routes';
import { BeamManager } from './beam/beam-manager';
import { ConsoleFeed } from './console/console-feed';
import { consoleRoutes } from './console/console-routes';
import { beamErrorBody, beamRoutes } from './beam/beam-routes';
import { beamViews } from './beam/beam-view';
import { startPeerNetwork, type PeerNetwork } from './webrtc/network-from-settings';
import type { UdpMux } from './webrtc/udp-mux/udp-mux';
import type { WebRtcPublishService } from './webrtc/webrtc-publish-service';
import { VERSION } from './version';
import { resourceRoutes } from './webrtc-http/resource-routes';
import { whepProtocol } from './webrtc-http/whep';
import { whipProtocol } from './webrtc-http/whip';
import type { WebRtcPlayService } from './webrtc/webrtc-play-service';
import { webRtcPlaying } from './media-workers/webrtc-playing';
import { webRtcPublishing } from './media-workers/webrtc-publishing';

/** What the gateway is started with beside its settings. */
export interface GatewayOptions {
  /** The built web SDK and demo page. Default: dist/web-sdk next to the compiled server. */
  webSdkDir?: string;
  /** More kinds of push targets beside rtmp:// and rtmps://, by URL scheme (for embedding and tests). */
  sinkKinds?: readonly SinkKind[];
}

/**
 * The whole gateway, wired from its settings: the paths (streams, their readers and pushes) in the
 * middle, ingests feeding them (WebRTC through the signalling, RTMP servers), and the REST API
 * driving them from beside. Each part owns and closes its own children.
 */
export class Gateway {
  /** The streams the main process carries (all of them with workers=1): publications, readers, pushes. */
  readonly paths: PathManager;
  /** Every stream name on every media worker, as the REST API sees them. */
  readonly directory: PathDirectory;
  /** The media worker children (workers > 1). */
  readonly workers: MediaWorkerPool | undefined;
  readonly publishers: WebRtcPublishService;
  /** The main process's WebRTC viewers (WHEP, playStream) of its own streams. */
  readonly viewers: WebRtcPlayService;
  readonly metrics: GatewayMetrics;
  /** RTMP servers (ingest and playback) managed over /api/rtmp-servers. */
  readonly rtmpServers: RtmpServerManager;
  /** The UDP socket every WebRTC peer shares (webrtc_udp_port); undefined with a port per peer. */
  readonly webrtcUdp: UdpMux | undefined;
  /** The codec worker processes of the main process (Opus → AAC, sound mixing, VP8 → H.264). */
  readonly codecs: CodecPool;
  readonly #node: MediaNode;
  readonly #signalling: SignallingServer;
  /** Where WebRTC publishes go (the signalling's and WHIP's): the main process's, or over the media workers. */
  readonly #publishing: PublishService;
  /** Where WebRTC viewers go: the main process's, or the media worker of their stream. */
  readonly #playing: PlayService;
  /** STUN/TURN servers handed to browsers (getUserData, GET /ice-servers). */
  readonly #iceServers: ClientIceServers;
  readonly #webhook: StateWebhook | undefined;
  readonly #recordWebhook: StateWebhook | undefined;
  /** Copies finished recordings to S3-compatible storage (record_s3_*). */
  readonly #uploader: S3Uploader | undefined;
  /** Unix ms the gateway started: recordings written before it were interrupted. */
  readonly #startedAt = Date.now();
  #beamWebhook: StateWebhook | undefined;
  /** Captured pages (100ms's beam API); made once the signalling listens. */
  #beams: BeamManager | undefined;
  /** The console page's live snapshots (server-sent events). */
  #console: ConsoleFeed | undefined;
  /** Signs the download links of recorded files. */
  readonly #recordLinks: RecordLinks;
  readonly #access: HttpAccess;
  /** REST hooks asked about RTMP publishers and players. */
  readonly #rtmpHooks: RestHookClient | undefined;
  readonly #httpServers: Array<http.Server | https.Server> = [];
  readonly #log: Logger;
  #closing: Promise<void> | undefined;

  private constructor(settings: Settings, logger: Logger, network: PeerNetwork, node: MediaNode, workers: MediaWorkerPool | undefined) {
    this.#log = logger;
    this.webrtcUdp = network.mux;
    this.#node = node;
    this.codecs = node.codecs;
    this.metrics = node.metrics;
    this.paths = node.paths;
    this.workers = workers;
    this.directory = workers ?? node.paths;
    this.#access = new HttpAccess({
      disabled: settings.restAuthDisabled,
      users: settings.restAuthUsersFile ? PasswordFile.load(settings.restAuthUsersFile) : undefined,
      token: settings.apiAccessToken,
    });
    const outbound = node.outbound;
    // With media workers, a name living on a child is in use for the main process's own ingests.
    const localPaths = workers?.localPaths() ?? node.paths;
    this.publishers = webRtcPublishing(settings, node, localPaths, network, publisherOutputs(this.directory, recordingDefaults(settings), logger));
    this.#iceServers = new ClientIceServers(iceServerSettings(settings));
    if (this.#iceServers.configured) logger.info(this.#iceServers.describe(), 'ICE servers handed to clients');
    const hookOptions = restHookOptions(settings);
    this.#rtmpHooks = hookOptions ? new RestHookClient(hookOptions, logger.child({ component: 'rest-hooks' })) : undefined;
    this.#publishing = workers?.publishService(this.publishers) ?? this.publishers;
    this.viewers = webRtcPlaying(settings, node, node.paths, network);
    this.#playing = workers?.playService(this.viewers) ?? this.viewers;
    this.#signalling = new SignallingServer(this.#publishing, logger, { limits: signallingLimits(settings), reporter: this.metrics, hooks: hookOptions, iceServers: this.#iceServers, player: this.#playing });
    this.rtmpServers = new RtmpServerManager({
      paths: localPaths,
      dbFile: settings.rtmpServersDbFile,
      listenAddress: settings.listenAddress,
      logger,
      askWebhook: async (url, request, signal) => {
        try {
          await outbound.check(new URL(url).hostname);
        } catch (err) {
          return { allowed: false, reason: (err as Error).message };
        }
        return askValidationWebhook(url, request, signal);
      },
      limits: rtmpClientLimits(settings),
      limitReporter: this.metrics,
      ...(this.#rtmpHooks ? { hooks: this.#rtmpHooks } : {}),
      ...(workers ? { placeStreams: rtmpStreamPlacement(workers) } : {}),
    });
    if (settings.webhookUrl) {
      const webhook = new StateWebhook(settings.webhookUrl, logger, outbound);
      this.directory.on('push-state', (status) => {
        if (!status.recording) webhook.notify(transponderView(status, { secrets: false, errors: true }));
      });
      this.#webhook = webhook;
    }
    this.#recordLinks = new RecordLinks({ secret: settings.recordUrlSecret, expirySeconds: settings.recordUrlExpirySeconds, baseUrl: settings.recordUrlBase ?? defaultBaseUrl(settings) });
    if (settings.recordWebhookUrl) this.#recordWebhook = recordingWebhook(settings.recordWebhookUrl, this.directory, this.#recordLinks, logger, outbound);
    if (settings.recordS3Endpoint) {
      const uploader = new S3Uploader(s3UploadSettings(settings, settings.recordS3Endpoint), path.resolve(settings.recordDir), logger, (outcome) => this.#recordWebhook?.notify(outcome));
      this.directory.on('recording-file', (file) => uploader.upload(file));
      this.#uploader = uploader;
    }
  }

  /** Starts everything; rejects (after cleaning up) if a port cannot be bound or a file is missing. */
  static async start(settings: Settings, logger: Logger, options: GatewayOptions = {}): Promise<Gateway> {
    const network = await startPeerNetwork(settings, logger);
    const nodes = settings.workers === 'auto' ? availableParallelism() : settings.workers;
    // codec_workers counts for the whole gateway: each media worker gets its share, at least one.
    const codecWorkers = settings.codecWorkers === 'auto' ? availableParallelism() : settings.codecWorkers;
    const codecWorkersEach = Math.max(1, Math.round(codecWorkers / nodes));
    let node: MediaNode | undefined;
    let workers: MediaWorkerPool | undefined;
    let gateway: Gateway;
    try {
      node = new MediaNode(settings, logger, { codecWorkers: codecWorkersEach, ...(options.sinkKinds ? { sinkKinds: options.sinkKinds } : {}), webrtcUdp: () => network.mux?.stats });
      if (nodes > 1) workers = await MediaWorkerPool.start({ nodes, settings, codecWorkersEach, local: node, logger });
      gateway = new Gateway(settings, logger, network, node, workers);
    } catch (err) {
      await workers?.close();
      await node?.close();
      await network.mux?.close();
      throw err;
    }
    try {
      await gateway.#listen(settings, options.webSdkDir ?? path.resolve(__dirname, '..', 'web-sdk'));
    } catch (err) {
      await gateway.close();
      throw err;
    }
    return gateway;
  }

  async #listen(settings: Settings, webSdkDir: string): Promise<void> {
    const tls = settings.tlsCertificateFile && settings.tlsPrivateKeyFile ? this.#loadTls(settings.tlsCertificateFile, settings.tlsPrivateKeyFile) : undefined;
    const host = settings.listenAddress;
    await this.#signalling.listen({ host, wsPort: settings.wsPort, wssPort: settings.wssPort, ...(tls ? { tls } : {}) });
    await this.rtmpServers.restore();
    await this.paths.restorePushes();
    const recordDir = path.resolve(settings.recordDir);
    recoverRecordings(recordDir, this.#startedAt, this.#log.child({ component: 'recorder' })).catch((err: unknown) => {
      this.#log.warn({ recordDir, err: (err as Error).message }, 'interrupted recordings could not be looked for');
    });

    this.#beams = this.#beamManager(settings, webSdkDir);
    const restApi = Router();
    restApi.get('/openapi.json', (_req, res) => void res.json(buildOpenApiDocument(VERSION)));
    restApi.use('/push', pushRoutes(this.directory));
    restApi.use('/stream', streamRoutes(this.directory));
    restApi.use('/recorder', recorderRoutes(this.directory, recordingDefaults(settings), this.#recordLinks));
    this.#console = ConsoleFeed.of({ directory: this.directory, beams: this.#beams, rtmpServers: this.rtmpServers, links: this.#recordLinks }, this.#log.child({ component: 'console' }));
    restApi.use('/console', consoleRoutes(this.#console, settings.mediaDir));
    const metrics = Router();
    metrics.get('/', async (_req, res) => {
      const { contentType, text } = this.workers ? await this.workers.metrics() : { contentType: this.metrics.registry.contentType, text: await this.metrics.registry.metrics() };
      res.type(contentType).send(text);
    });
    const sdkInfo = Router();
    sdkInfo.get('/server-info.json', (_req, res) => void res.json({ wsPort: settings.wsPort, wssPort: tls ? settings.wssPort : null }));
    const app = createHttpApp({
      api: {
        '/rest-api': restApi,
        '/api/rtmp-servers': rtmpServerRoutes(this.rtmpServers),
        '/metrics': metrics,
        '/v1': { router: omePushRoutes(this.directory, { vhost: settings.omeVhost, apps: settings.omeApps }), errorBody: omeErrorBody },
        '/api/v2/beam': { router: beamRoutes(this.#beams, this.directory, this.#recordLinks), errorBody: beamErrorBody },
      },
      sdp: { '/whip': this.#whipRoutes(settings), '/whep': this.#whepRoutes(settings) },
      sdpMaxBytes: settings.webrtcOfferMaxBytes,
      open: { '/web-sdk': sdkInfo, '/ice-servers': iceServersRoute(this.#iceServers), [RECORDS_MOUNT]: recordDownloadRoutes(path.resolve(settings.recordDir), this.#recordLinks, this.#log) },
      staticDirs: { '/web-sdk': webSdkDir, '/': path.join(webSdkDir, 'demo') },
      corsOrigins: settings.corsOrigins,
      access: this.#access,
      rateLimiter: new RateLimiter(settings.restRateLimit, settings.restRateLimit * 2),
      limits: this.metrics,
      logger: this.#log,
    });
    await this.#listenHttp(http.createServer(app), host, settings.httpPort, 'http.port');
    if (tls) await this.#listenHttp(https.createServer(tls, app), host, settings.httpsPort, 'https.port');
  }

  /** WHIP ingest: publishes like the signalling's, their resources bounded by whip_max_publishers. */
  #whipRoutes(settings: Settings): Router {
    const options = { iceServers: this.#iceServers, limits: this.metrics, logger: this.#log.child({ component: 'whip' }) };
    return resourceRoutes(whipProtocol(this.#publishing, settings.whipMaxPublishers), options).router;
  }

  /** WHEP playback of any stream, on the media worker of the stream; viewers bounded by webrtc_max_viewers. */
  #whepRoutes(settings: Settings): Router {
    const options = { iceServers: this.#iceServers, limits: this.metrics, logger: this.#log.child({ component: 'whep' }) };
    return resourceRoutes(whepProtocol(this.#playing, settings.webrtcMaxViewers), options).router;
  }

  /** The beams: their pages publish to this gateway's signalling with its own SDK bundle; their states go to beam_webhook_url. */
  #beamManager(settings: Settings, webSdkDir: string): BeamManager {
    const beams = new BeamManager({
      maxBeams: settings.beamMax,
      attempts: settings.beamStartAttempts,
      publishTimeoutMs: settings.beamPublishTimeoutMs,
      joinFailure: settings.beamJoinFailurePattern === '' ? undefined : new RegExp(settings.beamJoinFailurePattern),
      runtimeRoot: os.tmpdir(),
      sdkBundle: () => readFileSync(path.join(webSdkDir, 'gateway-sdk.js'), 'utf8'),
      wsUrl: `ws://${loopbackOr(settings.listenAddress)}:${settings.wsPort}`,
      directory: this.directory,
      logger: this.#log,
    });
    if (settings.beamWebhookUrl) {
      const webhook = new StateWebhook(settings.beamWebhookUrl, this.#log.child({ hook: 'beam' }), this.#node.outbound);
      beams.on('state', (beam) => {
        void beamViews([beam], this.directory, this.#recordLinks).then(([view]) => webhook.notify({ event: 'beam', ...view }));
      });
      this.#beamWebhook = webhook;
    }
    return beams;
  }

  /** The wss/https certificate and key, checked; its names and expiry go to the log. */
  #loadTls(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
    const { cert, key, leaf } = loadServerTlsFiles(certFile, keyFile);
    const validTo = new Date(leaf.validTo);
    const details = { subject: leaf.subject.replaceAll('\n', ', '), names: leaf.subjectAltName, validTo: validTo.toISOString() };
    if (validTo.getTime() < Date.now()) this.#log.warn(details, 'the TLS certificate has expired: browsers will refuse wss:// and https://');
    else this.#log.info(details, 'TLS certificate loaded');
    return { cert, key };
  }

  async #listenHttp(server: http.Server | https.Server, host: string, port: number, setting: 'http.port' | 'https.port'): Promise<void> {
    const scheme = setting === 'http.port' ? 'http' : 'https';
    await new Promise<void>((resolve, reject) => {
      const failed = (err: Error): void => reject(listenFailure(setting, host, port, err));
      server.once('error', failed);
      server.listen(port, host, () => {
        server.off('error', failed);
        resolve();
      });
    });
    this.#httpServers.push(server);
    this.#log.info({ url: `${scheme}://${host}:${port}` }, 'REST API and demo page listening');
  }

  /**
   * Stops the gateway (idempotent), from the outside in: the REST API stops taking calls; the paths
   * end (every push closes its session cleanly, with FCUnpublish and deleteStream, and every stream
   * ends, its ingest with it); the ingest servers close what is left (connections still
   * negotiating, players); the signalling closes its sessions; the webhook sends its last states.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    // Consoles see the end at once (they show "disconnected" and retry).
    this.#console?.close();
    // Beams first: their pushes and recording end cleanly, then their browsers and displays.
    await this.#beams?.close();
    await Promise.all(
      this.#httpServers.map((server) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
    );
    // The children's paths close with the main process's; their handed-over RTMP connections end with them.
    await Promise.all([this.paths.close(), this.workers?.close()]);
    this.publishers.close();
    this.viewers.close();
    this.#rtmpHooks?.close();
    await this.rtmpServers.close();
    await this.#signalling.close();
    await this.#webhook?.close();
    await this.#uploader?.close();
    await this.#recordWebhook?.close();
    await this.#beamWebhook?.close();
    await this.webrtcUdp?.close();
    await this.#node.close();
  }
}

/** Where download links point without record_url_base: this gateway's HTTP port. */
function defaultBaseUrl(settings: Settings): string {
  return `http://${loopbackOr(settings.listenAddress)}:${settings.httpPort}`;
}

/** The listen address as a URL host, 127.0.0.1 for any address. */
function loopbackOr(listenAddress: string): string {
  const host = listenAddress === '0.0.0.0' || listenAddress === '::' ? '127.0.0.1' : listenAddress;
  return host.includes(':') ? `[${host}]` : host;
}

function s3UploadSettings(settings: Settings, endpoint: string): S3UploadSettings {
  return {
    endpoint,
    bucket: settings.recordS3Bucket,
    region: settings.recordS3Region,
    accessKeyId: settings.recordS3AccessKey,
    secretAccessKey: settings.recordS3SecretKey,
    prefix: settings.recordS3Prefix,
    deleteLocal: settings.recordS3DeleteLocal,
  };
}
