import type { Request } from 'express';
import { GatewayError } from '../errors';

/** Longest stream name accepted in a WHIP/WHEP URL, characters (as in publishStream). */
const MAX_NAME_LENGTH = 256;

/** The stream name of a WHIP/WHEP URL. */
export function streamNameParam(req: Request): string {
  const name = req.params['name'];
  if (typeof name !== 'string' || name === '') throw new GatewayError('INVALID_URL', 'The URL has no stream name: POST to <endpoint>/<streamName>');
  if (name.length > MAX_NAME_LENGTH) throw new GatewayError('INVALID_URL', `Stream name is longer than ${MAX_NAME_LENGTH} characters`);
  return name;
}

/** The SDP offer of a POST (the body parser has read it as text, within webrtc_offer_max_bytes). */
export function sdpOffer(req: Request): string {
  const body: unknown = req.body;
  if (typeof body !== 'string' || body === '') throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'Send an SDP offer as the body, with Content-Type: application/sdp');
  if (!body.startsWith('v=')) throw new GatewayError('INVALID_BODY', 'The body is not an SDP offer (it must start with "v=")');
  return body;
}
