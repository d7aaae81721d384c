import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { resolveAnnounced } from '../../../../server/config/resolve-announced';
import { parseSettings } from '../../../../server/config/settings';
import { selectOfferCodecs } from '../../../../server/webrtc/offer-codecs';
import { startPeerNetwork, type PeerNetwork } from '../../../../server/webrtc/network-from-settings';
import { answerOffer } from '../../../../server/webrtc/receiving-peer';
import { machineAddresses, muxCandidates } from '../../../../server/webrtc/udp-mux/mux-candidates';

const OFFER = readFileSync(path.join(__dirname, '..', '..', '..', 'fixtures', 'sdp', 'chromium-156-offer.sdp'), 'utf8');
const BITRATES = { start: 2500, min: 500, max: 4000 };
const silent = pino({ level: 'silent' });

/** The `address port` of every a=candidate line of the answer werift makes for a Chromium offer with `properties`. */
async function answerCandidates(properties: string): Promise<{ candidates: string[]; port: number | undefined }> {
  const { settings } = parseSettings(properties, 'test.properties');
  const network: PeerNetwork = await startPeerNetwork(settings, silent);
  try {
    const { peer, answerSdp } = await answerOffer(selectOfferCodecs(OFFER), network.options, BITRATES);
    await peer.close();
    // BUNDLE: every m= section repeats the transport's candidates; the first one's, most preferred first.
    const firstSection = answerSdp.split(/\r?\nm=/)[1] ?? '';
    const candidates = [...firstSection.matchAll(/^a=candidate:\S+ 1 udp (\d+) (\S+) (\d+) typ host/gm)]
      .sort((a, b) => Number(b[1]) - Number(a[1]))
      .map((m) => `${m[2]} ${m[3]}`);
    return { candidates, port: network.mux?.port };
  } finally {
    await network.mux?.close();
  }
}

describe('candidates in the answer on the shared port', () => {
  test('bound to loopback: loopback alone, on the bound port', async () => {
    const { candidates, port } = await answerCandidates('webrtc_udp_port=0\nwebrtc_udp_address=127.0.0.1');
    expect(candidates).toEqual([`127.0.0.1 ${port}`]);
  });

  test("a NAT mapping with the socket on loopback: only the mapped address and port, what a client behind the relay needs", async () => {
    const { candidates } = await answerCandidates('webrtc_udp_port=0\nwebrtc_udp_address=127.0.0.1\nip=10.200.0.1:40000');
    expect(candidates).toEqual(['10.200.0.1 40000']);
  });

  test('bound to every interface: the ip entries first, then each interface address and loopback, all on the one port', async () => {
    const { candidates, port } = await answerCandidates('webrtc_udp_port=0\nwebrtc_udp_address=0.0.0.0\nip=203.0.113.7, localhost');
    // localhost is an ip entry too (resolved to 127.0.0.1), so loopback comes second and only once.
    expect(candidates).toEqual([`203.0.113.7 ${port}`, `127.0.0.1 ${port}`, ...machineAddresses(4).map((address) => `${address} ${port}`)]);
  });

  test('a port per peer (webrtc_udp_port empty): loopback and the ip entries, each on a port of the range', async () => {
    const { candidates } = await answerCandidates('webrtc_udp_port=\nmedia_port_from=47001\nmedia_port_to=47100\nip=203.0.113.7');
    expect(candidates.length).toBeGreaterThanOrEqual(2);
    for (const candidate of candidates) expect(Number(candidate.split(' ')[1])).toBeGreaterThanOrEqual(47001);
    expect(candidates.map((c) => c.split(' ')[0])).toEqual(expect.arrayContaining(['127.0.0.1', '203.0.113.7']));
  });
});

describe('muxCandidates', () => {
  const interfaces = ['10.0.0.5', '192.168.1.2'];

  test('bound to one address, that address; ip entries go first; duplicates are dropped', () => {
    expect(muxCandidates({ boundAddress: '10.0.0.5', boundPort: 31000, announced: [{ host: '203.0.113.7' }, { host: '10.0.0.5' }], interfaceAddresses: interfaces }))
      .toEqual([{ host: '203.0.113.7', port: 31000 }, { host: '10.0.0.5', port: 31000 }]);
  });

  test('a mapping replaces the local addresses; unmapped ip entries stay, on the bound port', () => {
    expect(muxCandidates({ boundAddress: '0.0.0.0', boundPort: 31000, announced: [{ host: '198.51.100.1', port: 40000 }, { host: '10.0.0.5' }], interfaceAddresses: interfaces }))
      .toEqual([{ host: '198.51.100.1', port: 40000 }, { host: '10.0.0.5', port: 31000 }]);
  });

  test('IPv6 wildcard announces the IPv6 interfaces and ::1', () => {
    expect(muxCandidates({ boundAddress: '::', boundPort: 31000, announced: [], interfaceAddresses: ['2001:db8::5'] }))
      .toEqual([{ host: '2001:db8::5', port: 31000 }, { host: '::1', port: 31000 }]);
  });
});

describe('resolving ip at start-up', () => {
  const lookup = async (hostname: string, options: { family: number }) => {
    if (hostname === 'gw.example.com') return [{ address: '203.0.113.7', family: 4 }, { address: '2001:db8::7', family: 6 }].filter((a) => options.family === 0 || a.family === options.family);
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };

  test("a name becomes its addresses of the socket's family, with the mapping's port", async () => {
    expect(await resolveAnnounced([{ host: 'gw.example.com', port: 40000 }, { host: '198.51.100.1' }], 4, lookup)).toEqual([{ host: '203.0.113.7', port: 40000 }, { host: '198.51.100.1' }]);
  });

  test('a name that does not resolve, or an address of the other family, stops the start with a sentence naming ip', async () => {
    await expect(resolveAnnounced([{ host: 'nowhere.invalid' }], 4, lookup)).rejects.toThrow("ip: host name 'nowhere.invalid' does not resolve (ENOTFOUND)");
    await expect(resolveAnnounced([{ host: '2001:db8::1' }], 4, lookup)).rejects.toThrow('ip: 2001:db8::1 is an IPv6 address, but webrtc_udp_address binds an IPv4 socket');
  });
});
