import type net from 'node:net';
import type { PushTargetRequest, SinkContext, SinkKind } from '../sink-kinds';
import { resolveSrtTarget, type SrtTarget } from './srt-target';
import { SrtTsTransport } from './srt-ts-transport';
import { TsPushSink } from './ts-push-sink';
import { UdpTsTransport } from './udp-ts-transport';
import { resolveUdpTarget, type UdpTarget } from './udp-target';

/** What every MPEG-TS push shares. */
export interface MpegtsSinkSettings {
  /** Resolves target host names, refusing addresses the outbound policy forbids. */
  readonly lookup?: net.LookupFunction;
}

/** Pushes MPEG-TS over UDP to `udp://host:port` (unicast or multicast), paced at the stream's rate. */
export function udpSinkKind(settings: MpegtsSinkSettings): SinkKind<UdpTarget> {
  return {
    schemes: ['udp'],
    resolve: (request: PushTargetRequest) => resolveUdpTarget(request.url),
    create: (target: UdpTarget, context: SinkContext) => new TsPushSink(
      new UdpTsTransport({ target, logger: context.logger, ...(settings.lookup ? { lookup: settings.lookup } : {}) }),
      context.logger,
      context.onFrameWritten,
    ),
  };
}

/**
 * Pushes MPEG-TS over SRT to `srt://host:port?…` (caller, or listener with mode=listener): one
 * srt-live-transmit child per session copies the TS the gateway muxes into libsrt.
 */
export function srtSinkKind(settings: MpegtsSinkSettings): SinkKind<SrtTarget> {
  return {
    schemes: ['srt'],
    resolve: (request: PushTargetRequest) => resolveSrtTarget(request.url),
    create: (target: SrtTarget, context: SinkContext) => new TsPushSink(
      new SrtTsTransport({ target, logger: context.logger, ...(settings.lookup ? { lookup: settings.lookup } : {}) }),
      context.logger,
      context.onFrameWritten,
    ),
  };
}
