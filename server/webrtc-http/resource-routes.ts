import { Router, type Request } from 'express';
import { EndReasons, type EndReason } from '../hub/end-reason';
import { GatewayError } from '../errors';
import type { ClientIceServers } from '../ice-servers/client-ice-servers';
import type { Logger } from '../log';
import type { LimitName, LimitReporter } from '../metrics/limits';
import type { HttpSession } from './http-sessions';
import { HttpSessions } from './http-sessions';
import { iceServerLinks } from './ice-server-links';
import { sdpOffer, streamNameParam } from './sdp-request';

/** What a negotiation started by a POST gives back. */
export interface Negotiated {
  readonly answerSdp: string;
  stop(reason: EndReason): void;
}

/** One WebRTC-over-HTTP protocol (WHIP or WHEP) on the routes below. */
export interface ResourceProtocol {
  /** 'WHIP' or 'WHEP', for logs and errors. */
  readonly name: string;
  /** Sessions at once (the setting's value) and the setting, for the refusal. */
  readonly max: number;
  readonly maxSetting: string;
  readonly limit: LimitName;
  /**
   * Negotiates the session's offer; calls `ended` once when the session ends after negotiating.
   * Rejects with a GatewayError (its code gives the status) when the offer is refused.
   */
  negotiate(session: HttpSession, sdp: string, ended: () => void, log: Logger): Promise<Negotiated>;
}

/** What the routes need beside their protocol. */
export interface ResourceRouteOptions {
  readonly iceServers: ClientIceServers;
  readonly limits: LimitReporter;
  readonly logger: Logger;
}

/**
 * The HTTP side shared by WHIP and WHEP (RFC 9725): `POST <mount>/<name>` with an SDP offer
 * answers 201 with the SDP answer, the resource in `Location` and the ICE servers in `Link`;
 * `DELETE` on the resource ends the session; `PATCH` (trickle ICE, ICE restart) answers 405, as
 * the RFC allows: the answer carries the gateway's candidates, and the gateway learns the client's
 * from its connectivity checks.
 */
export function resourceRoutes(protocol: ResourceProtocol, options: ResourceRouteOptions): { router: Router; sessions: HttpSessions } {
  const sessions = new HttpSessions(protocol.max);
  const router = Router();

  router.post('/:name', async (req, res) => {
    const name = streamNameParam(req);
    const sdp = sdpOffer(req);
    const session = sessions.reserve(name);
    if (!session) {
      options.limits.reached(protocol.limit);
      throw new GatewayError('LIMIT_REACHED', `The gateway holds ${protocol.max} ${protocol.name} sessions already (setting ${protocol.maxSetting})`);
    }
    const log = options.logger.child({ protocol: protocol.name, streamName: name, mediaSessionId: session.id, client: req.socket.remoteAddress });
    let negotiated: Negotiated;
    try {
      negotiated = await protocol.negotiate(session, sdp, () => sessions.release(session), log);
    } catch (err) {
      sessions.release(session);
      throw err;
    }
    session.stop = (reason) => negotiated.stop(reason);
    if (session.stoppedEarly) negotiated.stop(session.stoppedEarly);
    const links = iceServerLinks(options.iceServers.forClient());
    if (links.length > 0) res.setHeader('Link', links);
    res.status(201).location(resourcePath(req, session)).type('application/sdp').send(negotiated.answerSdp);
  });

  router.delete('/:name/:id', (req, res) => {
    const session = found(sessions, req, protocol.name);
    sessions.end(session, EndReasons.publisherStop);
    res.status(200).end();
  });

  router.patch('/:name/:id', (req, res) => {
    found(sessions, req, protocol.name);
    res.setHeader('Allow', 'DELETE');
    throw new GatewayError('METHOD_NOT_ALLOWED', `${protocol.name} resources take no PATCH here (no trickle ICE or ICE restart): the answer carries the gateway's candidates; DELETE ends the session`);
  });

  return { router, sessions };
}

/** The resource a DELETE or PATCH names; 404 when it has ended or never was. */
function found(sessions: HttpSessions, req: Request, protocolName: string): HttpSession {
  const session = sessions.find(streamNameParam(req), String(req.params['id']));
  if (!session) throw new GatewayError('NOT_FOUND', `No ${protocolName} session ${String(req.params['id'])} for stream '${String(req.params['name'])}': it has ended or never existed`);
  return session;
}

/** `<mount>/<name>/<id>`, as the client reached the mount. */
function resourcePath(req: Request, session: HttpSession): string {
  return `${req.baseUrl}/${encodeURIComponent(session.name)}/${session.id}`;
}
