import { loadSoundClip, type SoundClip } from '../audio/sound-clip';
import type { Settings } from '../config/settings';
import { GatewayError } from '../errors';
import { StreamStatusInfo } from '../hub/status-info';
import { TypedEmitter } from '../events/typed-emitter';
import type { HubStream } from '../hub/stream';
import type { StreamRegistry } from '../hub/stream-registry';
import type { Logger } from '../log';
import type { PushControl } from '../rest/push-routes';
import { newMediaSessionId } from './media-session-id';
import { redactUrl, resolvePushTarget } from './target';
import { Transponder, type TransponderConfig } from './transponder';
import type { FindFilter, StartupRequest, TransponderState, TransponderView } from './types';


/** Events of the manager, for monitoring (webhooks, metrics). */
export type TransponderManagerEvents = {
  state: [view: TransponderView, state: TransponderState];
  retry: [view: TransponderView];
  /** A frame was written to a target after `latencyMs` in the gateway. */
  'frame-written': [track: 'video' | 'audio', latencyMs: number];
};

/** Settings the manager reads. */
export type TransponderSettings = Pick<
  Settings,
  | 'rtmpTransponderStreamNamePrefix'
  | 'rtmpTransponderFullUrl'
  | 'rtmpPushAutoStart'
  | 'rtmpPushAutoStartUrl'
  | 'rtmpFlashVersion'
  | 'rtmpConnectTimeoutMs'
  | 'rtmpTlsVerify'
  | 'rtmpPushRetryInitialDelayMs'
  | 'rtmpPushRetryMaxDelayMs'
  | 'rtmpPushRetryAttempts'
  | 'rtmpPushWedgeTimeoutMs'
  | 'rtmpPushMaxBufferBytes'
  | 'publisherGracePeriodMs'
  | 'mediaDir'
  | 'ffmpegPath'
  | 'aacBitrateBps'
>;

/**
 * Every push of the gateway: creates transponders for `/push/startup` (and for auto-start and
 * the SDK's `rtmpUrl`), finds and terminates them, and connects them to their source streams as
 * publishers come and go. A failure of one push never touches another.
 */
export class TransponderManager extends TypedEmitter<TransponderManagerEvents> implements PushControl {
  readonly #transponders = new Map<string, Transponder>();
  readonly #registry: StreamRegistry;
  readonly #settings: TransponderSettings;
  readonly #tlsCa: Buffer | undefined;
  readonly #log: Logger;
  /** Bytes sent by pushes that have ended. */
  #endedBytes = 0;

  constructor(registry: StreamRegistry, settings: TransponderSettings, tlsCa: Buffer | undefined, logger: Logger) {
    super();
    this.#registry = registry;
    this.#settings = settings;
    this.#tlsCa = tlsCa;
    this.#log = logger.child({ component: 'transponders' });
    registry.on('published', (stream) => this.#onPublished(stream));
    registry.on('unpublished', (stream, reason) => this.#onUnpublished(stream, reason));
  }

  async startup(request: StartupRequest): Promise<TransponderView> {
    const fullUrl = request.rtmpTransponderFullUrl ?? this.#settings.rtmpTransponderFullUrl;
    const target = resolvePushTarget(request.rtmpUrl, request.streamName, fullUrl, this.#settings.rtmpTransponderStreamNamePrefix);
    const existing = this.#all().find((t) => t.config.sourceName === request.streamName && t.config.rtmpUrl === request.rtmpUrl);
    if (existing?.active) {
      throw new GatewayError('CONFLICT', `Stream '${request.streamName}' is already republished to this rtmpUrl (mediaSessionId ${existing.mediaSessionId})`);
    }
    const stream = this.#registry.get(request.streamName);
    if (!stream && !request.reserve) {
      throw new GatewayError('STREAM_NOT_FOUND', `Stream '${request.streamName}' is not published (pass "reserve": true to push it as soon as it is)`);
    }
    const options = request.options ?? {};
    let clip: SoundClip | undefined;
    if (options.action === 'sound_on') {
      if (!options.soundFile) throw new GatewayError('INVALID_BODY', 'options.soundFile is required with action "sound_on"');
      if (stream && !stream.source.hasAudio) throw new GatewayError('CONFLICT', `Stream '${request.streamName}' has no audio track to play a sound into`);
      clip = await loadSoundClip(this.#settings.mediaDir, options.soundFile);
    }
    if (existing) this.#transponders.delete(existing.mediaSessionId); // a failed push is replaced

    const transponder = new Transponder(this.#config(request, target, fullUrl, options));
    this.#transponders.set(transponder.mediaSessionId, transponder);
    transponder.on('state', (state) => this.emit('state', transponder.view(), state));
    transponder.on('retry', () => this.emit('retry', transponder.view()));
    transponder.on('ended', (state) => {
      this.#endedBytes += transponder.view().sentBytes;
      if (state === 'stopped') this.#transponders.delete(transponder.mediaSessionId);
    });
    if (options.action === 'mute') transponder.audio.mute();
    if (clip) transponder.audio.playSound(clip, options.loop ?? false);
    transponder.config.logger.info({ reserved: request.reserve === true }, 'push created');
    this.emit('state', transponder.view(), transponder.state);
    if (stream) transponder.attach(stream);
    return transponder.view();
  }

  find(filter: FindFilter): TransponderView[] {
    return this.#all()
      .filter((t) => !filter.streamName || t.config.sourceName === filter.streamName || t.config.target.streamName === filter.streamName)
      .filter((t) => !filter.rtmpUrl || t.config.rtmpUrl === filter.rtmpUrl)
      .map((t) => t.view());
  }

  findAll(): TransponderView[] {
    return this.#all().map((t) => t.view());
  }

  /** Bytes written to targets since start, by every push that ever ran. */
  sentBytesTotal(): number {
    return this.#endedBytes + this.#all().filter((t) => t.active).reduce((sum, t) => sum + t.view().sentBytes, 0);
  }

  async terminate(mediaSessionId: string): Promise<void> {
    const transponder = this.#get(mediaSessionId);
    this.#transponders.delete(mediaSessionId);
    await transponder.stop(StreamStatusInfo.STOPPED_BY_REST_TERMINATE);
  }

  mute(mediaSessionId: string): void {
    this.#get(mediaSessionId).audio.mute();
  }

  unmute(mediaSessionId: string): void {
    this.#get(mediaSessionId).audio.unmute();
  }

  async soundOn(mediaSessionId: string, soundFile: string, loop: boolean): Promise<void> {
    const transponder = this.#get(mediaSessionId);
    const stream = this.#registry.get(transponder.config.sourceName);
    if (stream && !stream.source.hasAudio) throw new GatewayError('CONFLICT', `Stream '${stream.name}' has no audio track to play a sound into`);
    const clip = await loadSoundClip(this.#settings.mediaDir, soundFile);
    transponder.audio.playSound(clip, loop);
  }

  soundOff(mediaSessionId: string): void {
    this.#get(mediaSessionId).audio.stopSound();
  }

  /** Closes every push cleanly (gateway shutdown). */
  async closeAll(): Promise<void> {
    const all = this.#all();
    this.#transponders.clear();
    await Promise.all(all.map((t) => t.stop(StreamStatusInfo.STOPPED_BY_SERVER_SHUTDOWN)));
  }

  #all(): Transponder[] {
    return [...this.#transponders.values()];
  }

  #get(mediaSessionId: string): Transponder {
    const transponder = this.#transponders.get(mediaSessionId);
    if (!transponder) throw new GatewayError('TRANSPONDER_NOT_FOUND', `Transponder not found: ${mediaSessionId}`);
    return transponder;
  }

  #config(request: StartupRequest, target: TransponderConfig['target'], fullUrl: boolean, options: TransponderConfig['options']): TransponderConfig {
    const s = this.#settings;
    const mediaSessionId = newMediaSessionId();
    return {
      mediaSessionId,
      sourceName: request.streamName,
      rtmpUrl: request.rtmpUrl,
      target,
      options,
      reserved: request.reserve === true,
      flashVer: request.rtmpFlashVersion ?? s.rtmpFlashVersion,
      tls: { ...(this.#tlsCa ? { ca: this.#tlsCa } : {}), rejectUnauthorized: s.rtmpTlsVerify },
      connectTimeoutMs: s.rtmpConnectTimeoutMs,
      maxBufferBytes: s.rtmpPushMaxBufferBytes,
      wedgeTimeoutMs: s.rtmpPushWedgeTimeoutMs,
      backoff: { initialDelayMs: s.rtmpPushRetryInitialDelayMs, maxDelayMs: s.rtmpPushRetryMaxDelayMs, maxAttempts: s.rtmpPushRetryAttempts },
      audio: { ffmpegPath: s.ffmpegPath, bitrateBps: s.aacBitrateBps },
      onFrameWritten: (track, latencyMs) => this.emit('frame-written', track, latencyMs),
      logger: this.#log.child({
        mediaSessionId,
        streamName: request.streamName,
        targetStreamName: fullUrl ? '(from rtmpUrl)' : target.streamName,
        rtmpUrl: redactUrl(request.rtmpUrl, fullUrl),
      }),
    };
  }

  #onPublished(stream: HubStream): void {
    for (const transponder of this.#all()) {
      if (transponder.config.sourceName === stream.name && transponder.active) transponder.attach(stream);
    }
    const autoUrl = this.#settings.rtmpPushAutoStartUrl;
    if (this.#settings.rtmpPushAutoStart && autoUrl && !this.#all().some((t) => t.config.sourceName === stream.name && t.config.rtmpUrl === autoUrl)) {
      this.startup({ streamName: stream.name, rtmpUrl: autoUrl }).catch((err: unknown) => {
        this.#log.error({ err, streamName: stream.name }, 'auto-start push failed');
      });
    }
  }

  #onUnpublished(stream: HubStream, reason: string): void {
    // A publisher that stopped on purpose is not coming back: no grace period then.
    const holdMs = reason === StreamStatusInfo.STOPPED_BY_PUBLISHER_STOP ? 0 : this.#settings.publisherGracePeriodMs;
    for (const transponder of this.#all()) {
      transponder.detach(stream, reason, holdMs);
    }
  }
}
