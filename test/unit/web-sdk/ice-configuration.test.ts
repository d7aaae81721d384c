import { peerConfiguration, serverIceConfiguration } from '../../../web-sdk/src/ice-configuration';

const TURN = [{ urls: ['turn:t.example.com'], username: 'u', credential: 'c' }];

describe('the SDK peer ICE configuration', () => {
  test("the gateway's getUserData servers and policy are read; malformed ones are ignored", () => {
    expect(serverIceConfiguration({ iceServers: TURN, iceTransportPolicy: 'relay' })).toEqual({ iceServers: TURN, iceTransportPolicy: 'relay' });
    expect(serverIceConfiguration({ iceServers: [{ urls: 5 }], iceTransportPolicy: 'everything' })).toEqual({});
    expect(serverIceConfiguration({ iceServers: 'turn:x' })).toEqual({});
    expect(serverIceConfiguration({})).toEqual({});
  });

  test("a page that says nothing uses the gateway's; createSession's iceServers / iceTransportPolicy win, then mediaOptions", () => {
    const server = { iceServers: TURN, iceTransportPolicy: 'relay' as const };
    expect(peerConfiguration({}, server)).toEqual({ iceServers: TURN, iceTransportPolicy: 'relay' });
    expect(peerConfiguration({ iceServers: [{ urls: 'stun:mine' }] }, server)).toEqual({ iceServers: [{ urls: 'stun:mine' }], iceTransportPolicy: 'relay' });
    expect(peerConfiguration({ iceTransportPolicy: 'all' }, server)).toEqual({ iceServers: TURN, iceTransportPolicy: 'all' });
    expect(peerConfiguration({ mediaOptions: { iceServers: [], bundlePolicy: 'max-bundle' } }, server)).toEqual({ iceServers: [], iceTransportPolicy: 'relay', bundlePolicy: 'max-bundle' });
    expect(peerConfiguration({}, {})).toEqual({});
  });
});
