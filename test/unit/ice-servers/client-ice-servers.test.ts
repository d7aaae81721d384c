import { createHmac } from 'node:crypto';
import { ClientIceServers, turnRestCredentials } from '../../../server/ice-servers/client-ice-servers';
import { iceServerSettings } from '../../../server/ice-servers/ice-server-settings';
import { parseSettings } from '../../../server/config/settings';

const NOW = Date.UTC(2026, 0, 1);

describe('ICE servers handed to clients', () => {
  test('nothing configured: no servers, policy all, not configured', () => {
    const ice = new ClientIceServers(iceServerSettings(parseSettings('', 'x').settings));
    expect(ice.configured).toBe(false);
    expect(ice.forClient()).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
  });

  test('STUN URLs in one entry, TURN URLs in another with the static credentials', () => {
    const { settings } = parseSettings('ice_servers=stun:s.example.com, turn:t.example.com:3478?transport=udp, turns:t.example.com\nice_turn_username=alice\nice_turn_password=pw', 'x');
    expect(new ClientIceServers(iceServerSettings(settings)).forClient()).toEqual({
      iceServers: [{ urls: ['stun:s.example.com'] }, { urls: ['turn:t.example.com:3478?transport=udp', 'turns:t.example.com'], username: 'alice', credential: 'pw' }],
      iceTransportPolicy: 'all',
    });
  });

  test("with a shared secret, each client gets credentials coturn's use-auth-secret accepts: <expiry>:<user>, base64 HMAC-SHA1 of it", () => {
    const { settings } = parseSettings('ice_servers=turn:t.example.com\nice_turn_secret=s3cret\nice_turn_credential_ttl=600\nice_transport_policy=relay', 'x');
    const ice = new ClientIceServers(iceServerSettings(settings), () => NOW);
    const config = ice.forClient('session-1');
    const expiry = NOW / 1000 + 600;
    expect(config).toEqual({
      iceServers: [{ urls: ['turn:t.example.com'], username: `${expiry}:session-1`, credential: createHmac('sha1', 's3cret').update(`${expiry}:session-1`).digest('base64') }],
      iceTransportPolicy: 'relay',
    });
    expect(turnRestCredentials('s3cret', 'session-1', 600, NOW)).toEqual({ username: config.iceServers[0]!.username, credential: config.iceServers[0]!.credential });
  });

  test('the start-up description never shows the password or the secret', () => {
    const staticAuth = new ClientIceServers(iceServerSettings(parseSettings('ice_servers=turn:t.example.com\nice_turn_username=alice\nice_turn_password=hunter2', 'x').settings));
    const secretAuth = new ClientIceServers(iceServerSettings(parseSettings('ice_servers=turn:t.example.com\nice_turn_secret=s3cret', 'x').settings));
    expect(JSON.stringify(staticAuth.describe())).not.toContain('hunter2');
    expect(JSON.stringify(secretAuth.describe())).not.toContain('s3cret');
    expect(staticAuth.describe()).toEqual({ urls: ['turn:t.example.com'], iceTransportPolicy: 'all', turnAuth: { username: 'alice', password: '***' } });
  });
});
