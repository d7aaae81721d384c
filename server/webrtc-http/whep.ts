import { GatewayError, type GatewayErrorCode } from '../errors';
import { PlayRejectedError, type PlayRefusal, type PlayService } from '../signalling/play-service';
import type { ResourceProtocol } from './resource-routes';

/** The status of each refusal: an unknown stream is 404, a bad offer 400, a full gateway 429. */
const REFUSAL_CODES: Record<PlayRefusal, GatewayErrorCode> = {
  'unknown-stream': 'STREAM_NOT_FOUND',
  'bad-offer': 'INVALID_BODY',
  limit: 'LIMIT_REACHED',
};

/** WHEP playback: the offer is played by the play service, one reader of the stream per viewer. */
export function whepProtocol(player: PlayService, max: number): ResourceProtocol {
  return {
    name: 'WHEP',
    max,
    maxSetting: 'webrtc_max_viewers',
    limit: 'webrtc_viewers',
    negotiate: async (session, sdp, ended, log) => {
      try {
        const handle = await player.play({ name: session.name, sdp, mediaSessionId: session.id }, {
          onPlaying: () => log.info('WHEP viewer is playing'),
          onEnded: (info, failed) => {
            ended();
            log[failed ? 'warn' : 'info']({ info }, 'WHEP playback ended');
          },
        }, log);
        log.info('WHEP playback negotiated');
        return handle;
      } catch (err) {
        throw err instanceof PlayRejectedError ? new GatewayError(REFUSAL_CODES[err.refusal], err.message) : err;
      }
    },
  };
}
