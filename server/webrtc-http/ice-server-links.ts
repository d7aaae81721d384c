import type { ClientIceConfiguration } from '../ice-servers/client-ice-servers';

/**
 * The ICE servers as WHIP/WHEP `Link` header values (RFC 9725 4.6): one per URL, with the TURN
 * credentials as `username` and `credential` parameters.
 */
export function iceServerLinks(config: ClientIceConfiguration): string[] {
  const links: string[] = [];
  for (const server of config.iceServers) {
    for (const url of server.urls) {
      let link = `<${url}>; rel="ice-server"`;
      if (server.username !== undefined && server.credential !== undefined) {
        link += `; username="${quoted(server.username)}"; credential="${quoted(server.credential)}"; credential-type="password"`;
      }
      links.push(link);
    }
  }
  return links;
}

/** A quoted-string's content (RFC 9110 5.6.4): backslash and double quote escaped. */
function quoted(value: string): string {
  return value.replace(/["\\]/g, (c) => `\\${c}`);
}
