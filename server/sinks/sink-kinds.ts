import { GatewayError } from '../errors';
import type { Logger } from '../log';
import type { Sink } from './sink';

/** Where a push goes, as the caller asked for it. */
export interface PushTargetRequest {
  /** The target URL (WCS's `rtmpUrl`). */
  readonly url: string;
  /** Name of the source stream (RTMP names the target stream after it unless the URL carries the name). */
  readonly sourceName: string;
  /** RTMP: the last path segment of the URL is the stream name (WCS's rtmpTransponderFullUrl). */
  readonly fullUrl?: boolean;
  /** RTMP: flashVer sent in connect (WCS's rtmpFlashVersion). */
  readonly flashVersion?: string;
}

/** A checked target, ready to open sinks to. */
export interface SinkTarget {
  readonly url: string;
  /** Host the sink connects to (the outbound policy checks it). */
  readonly host: string;
  /** Name of the stream at the target, as find and the API show it. */
  readonly streamName: string;
  /** The URL as logs and unprivileged readers may see it: no password, stream keys and query values shortened. */
  readonly safeUrl: string;
  /** The target stream name as they may see it (a stream key is shortened). */
  readonly safeStreamName: string;
}

/** What every sink gets from the gateway. */
export interface SinkContext {
  readonly logger: Logger;
  /** Told the time each frame with a known arrival spent in the gateway, ms (metrics). */
  readonly onFrameWritten?: (track: 'video' | 'audio', latencyMs: number) => void;
}

/** One kind of output, chosen by URL scheme (rtmp and rtmps now; srt, udp and file later). */
export interface SinkKind<T extends SinkTarget = SinkTarget> {
  readonly schemes: readonly string[];
  /** Checks a target; throws GatewayError INVALID_URL with the reason. */
  resolve(request: PushTargetRequest): T;
  /** A new single-shot sink to the target. */
  create(target: T, context: SinkContext): Sink;
}

/** A target with the kind of sink that serves it. */
export interface ResolvedTarget {
  readonly target: SinkTarget;
  /** Opens a new sink to the target. */
  open(context: SinkContext): Sink;
}

/** The sink kinds the gateway knows, by URL scheme. */
export class SinkRegistry {
  readonly #kinds = new Map<string, SinkKind>();

  /** Adds a kind; its schemes must be new. */
  register<T extends SinkTarget>(kind: SinkKind<T>): this {
    for (const scheme of kind.schemes) {
      if (this.#kinds.has(scheme)) throw new Error(`sink scheme '${scheme}' registered twice`);
      this.#kinds.set(scheme, kind as unknown as SinkKind);
    }
    return this;
  }

  /** Schemes served, e.g. ['rtmp', 'rtmps']. */
  get schemes(): string[] {
    return [...this.#kinds.keys()];
  }

  /** Checks a target and finds its kind; throws GatewayError INVALID_URL. */
  resolve(request: PushTargetRequest): ResolvedTarget {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(request.url)?.[1]?.toLowerCase();
    const kind = scheme === undefined ? undefined : this.#kinds.get(scheme);
    if (!kind) {
      const accepted = this.schemes.map((s) => `${s}://`);
      const list = accepted.length > 1 ? `${accepted.slice(0, -1).join(', ')} and ${accepted.at(-1)}` : accepted.join('');
      throw new GatewayError('INVALID_URL', `Invalid rtmpUrl: ${scheme ? `unsupported scheme '${scheme}'` : 'not a URL'}: only ${list} are accepted`);
    }
    const target = kind.resolve(request);
    return { target, open: (context) => kind.create(target, context) };
  }
}
