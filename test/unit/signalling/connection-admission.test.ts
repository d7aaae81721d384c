import { addressKey, ConnectionAdmission } from '../../../server/signalling/connection-admission';
import { readConnection, userData } from '../../../server/signalling/connection-request';

describe('ConnectionAdmission', () => {
  test('counts per address and in total; a released slot is free again, and releasing twice frees it once', () => {
    const admission = new ConnectionAdmission({ maxConnections: 3, maxConnectionsPerIp: 2 });
    const a1 = admission.admit('10.0.0.1');
    admission.admit('::ffff:10.0.0.1');
    expect(admission.admit('10.0.0.1')).toMatchObject({ limit: 'ws_connections_per_ip', status: 429 });
    admission.admit('10.0.0.2');
    expect(admission.admit('10.0.0.3')).toMatchObject({ limit: 'ws_connections', status: 503 });
    if ('limit' in a1) throw new Error('the first connection was refused');
    a1.release();
    a1.release();
    expect(admission.admit('10.0.0.3')).not.toHaveProperty('limit');
    expect(admission.admit('10.0.0.4')).toMatchObject({ limit: 'ws_connections' });
  });

  test('IPv4 is counted by address, also when mapped to IPv6; IPv6 by its /64', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::FFFF:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('connection request and getUserData', () => {
  test('getUserData echoes only bounded scalar fields, with the session id as authToken (what the official SDK keeps)', () => {
    const request = readConnection([{ appKey: 'defaultApp', clientVersion: '2.0', clientOSVersion: 'x'.repeat(513), msePacketizationVersion: 2, keepAlive: false, authToken: 'secret', mediaProviders: ['WebRTC'], custom: { a: 1 }, sipLogin: 'l' }]);
    expect(request).toEqual({ appKey: 'defaultApp', clientVersion: '2.0', msePacketizationVersion: 2, keepAlive: false, authToken: 'secret', custom: { a: 1 } });
    expect(userData(request, 'session-1')).toEqual({ appKey: 'defaultApp', clientVersion: '2.0', msePacketizationVersion: 2, keepAlive: false, sessionId: 'session-1', authToken: 'session-1', status: 'ESTABLISHED' });
    const ice = { iceServers: [{ urls: ['turn:t.example.com'], username: 'u', credential: 'c' }], iceTransportPolicy: 'relay' as const };
    expect(userData(request, 'session-1', ice)).toMatchObject({ sessionId: 'session-1', iceServers: ice.iceServers, iceTransportPolicy: 'relay' });
  });

  test('custom keeps at most 32 scalar fields and drops nested values, long strings and __proto__', () => {
    const custom = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(readConnection([{ custom }]).custom!)).toHaveLength(32);
    const mixed = JSON.parse('{"__proto__":{"x":1},"s":"ok","long":"' + 'y'.repeat(1025) + '","n":null,"inf":1e999,"obj":{},"arr":[]}');
    expect(readConnection([{ custom: mixed }]).custom).toEqual({ s: 'ok', n: null });
  });
});
