import type net from 'node:net';
import { RtmpPushSink } from './rtmp-push-sink';
import { redactKey, redactUrl, resolvePushTarget, type PushTarget } from './rtmp-target';
import type { PushTargetRequest, SinkContext, SinkKind, SinkTarget } from './sink-kinds';

/** Settings every RTMP push shares (rtmp_* settings). */
export interface RtmpSinkSettings {
  /** Added to the source name to name the target stream unless the URL names it (rtmp_transponder_stream_name_prefix). */
  readonly streamNamePrefix: string;
  /** Default of full-URL mode (rtmp_transponder_full_url). */
  readonly fullUrl: boolean;
  /** Default flashVer (rtmp_flash_version). */
  readonly flashVersion: string;
  /** rtmps trust: extra CA certificates and verification. */
  readonly tls: { readonly ca?: Buffer; readonly rejectUnauthorized: boolean };
  /** Bound on connecting up to NetStream.Publish.Start, ms. */
  readonly connectTimeoutMs: number;
  /** Resolves target host names, refusing addresses the outbound policy forbids. */
  readonly lookup?: net.LookupFunction;
  /** Commands, control messages and replies a target may leave unread before the session is dropped, bytes (rtmp_max_unsent_bytes). */
  readonly maxUnsentBytes: number;
}

/** An RTMP target: the parsed URL, the target stream name and the flashVer to send. */
export interface RtmpSinkTarget extends SinkTarget {
  readonly rtmp: PushTarget;
  readonly flashVersion: string;
}

/** Pushes to rtmp:// and rtmps:// (YouTube, Twitch, Facebook, nginx-rtmp...), named as Web Call Server names them. */
export function rtmpSinkKind(settings: RtmpSinkSettings): SinkKind<RtmpSinkTarget> {
  return {
    schemes: ['rtmp', 'rtmps'],
    resolve(request: PushTargetRequest): RtmpSinkTarget {
      const fullUrl = request.fullUrl ?? settings.fullUrl;
      const rtmp = resolvePushTarget(request.url, request.sourceName, fullUrl, settings.streamNamePrefix);
      return {
        url: request.url,
        host: rtmp.url.host,
        streamName: rtmp.streamName,
        safeUrl: redactUrl(request.url, fullUrl),
        safeStreamName: fullUrl ? redactKey(rtmp.streamName) : rtmp.streamName,
        rtmp,
        flashVersion: request.flashVersion ?? settings.flashVersion,
      };
    },
    create(target: RtmpSinkTarget, context: SinkContext): RtmpPushSink {
      return new RtmpPushSink({
        target: target.rtmp.url,
        streamName: target.rtmp.streamName,
        flashVer: target.flashVersion,
        tls: settings.tls,
        connectTimeoutMs: settings.connectTimeoutMs,
        ...(settings.lookup ? { lookup: settings.lookup } : {}),
        maxUnsentBytes: settings.maxUnsentBytes,
        ...(context.onFrameWritten ? { onFrameWritten: context.onFrameWritten } : {}),
      });
    },
  };
}
