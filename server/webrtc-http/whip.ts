import { GatewayError } from '../errors';
import { StreamStatusInfo } from '../hub/status-info';
import type { PublishStreamRequest } from '../signalling/protocol';
import { PublishRejectedError, type PublishService } from '../signalling/publish-service';
import type { ResourceProtocol } from './resource-routes';

/**
 * WHIP ingest (RFC 9725): the offer is published like a WCS `publishStream` whose name is the
 * URL's, through the same publish service (placement on a media worker, codec choice, Opus → AAC
 * for outputs, VP8 → H.264 when an output needs it).
 */
export function whipProtocol(publisher: PublishService, max: number): ResourceProtocol {
  return {
    name: 'WHIP',
    max,
    maxSetting: 'whip_max_publishers',
    limit: 'whip_publishers',
    negotiate: async (session, sdp, ended, log) => {
      const request: PublishStreamRequest = { mediaSessionId: session.id, name: session.name, sdp, hasAudio: /^m=audio /m.test(sdp), hasVideo: /^m=video /m.test(sdp), ingest: 'whip' };
      try {
        const handle = await publisher.publish(request, {
          // The access layer has let the caller in: no WCS hook is asked for WHIP.
          authorize: (offered) => Promise.resolve(offered),
          onPublishing: () => log.info('WHIP publisher is publishing'),
          onEnded: (info, failed) => {
            ended();
            log[failed ? 'warn' : 'info']({ info }, 'WHIP publish ended');
          },
        }, log);
        log.info('WHIP publish negotiated');
        return handle;
      } catch (err) {
        throw err instanceof PublishRejectedError ? refusal(err.message) : err;
      }
    },
  };
}

/** The HTTP error of a refused publish, from its WCS info string. */
function refusal(info: string): GatewayError {
  if (info === StreamStatusInfo.STREAM_NAME_ALREADY_IN_USE) return new GatewayError('CONFLICT', `${info}: another publisher has this stream name`);
  if (info === StreamStatusInfo.NO_COMMON_CODECS) return new GatewayError('INVALID_BODY', 'The offer has no codec the gateway takes: video H.264 or VP8, audio Opus');
  return new GatewayError('INVALID_BODY', info);
}
