import { resolveSrtTarget } from '../../../../server/sinks/mpegts/srt-target';
import { srtLiveTransmitArgs } from '../../../../server/sinks/mpegts/srt-ts-transport';
import { isMulticastAddress } from '../../../../server/sinks/mpegts/ts-target-url';
import { resolveUdpTarget } from '../../../../server/sinks/mpegts/udp-target';

/** Expects INVALID_URL with a message matching `reason`. */
function refused(resolve: () => unknown, reason: RegExp): void {
  expect(resolve).toThrow(expect.objectContaining({ code: 'INVALID_URL', message: expect.stringMatching(/^Invalid url: /) }));
  expect(resolve).toThrow(reason);
}

describe('resolveUdpTarget', () => {
  test('host, port and FFmpeg options; defaults 1316-byte datagrams and TTL 16', () => {
    expect(resolveUdpTarget('udp://127.0.0.1:5000')).toMatchObject({ host: '127.0.0.1', port: 5000, ttl: 16, localAddress: undefined, datagramBytes: 1316, streamName: '127.0.0.1:5000', safeUrl: 'udp://127.0.0.1:5000' });
    expect(resolveUdpTarget('udp://239.1.2.3:1234?ttl=4&localaddr=10.0.0.2&pkt_size=188')).toMatchObject({ host: '239.1.2.3', ttl: 4, localAddress: '10.0.0.2', datagramBytes: 188 });
    expect(resolveUdpTarget('UDP://[ff0e::1]:1234/?localaddr=::1')).toMatchObject({ host: 'ff0e::1', port: 1234, localAddress: '::1', streamName: '[ff0e::1]:1234' });
    expect(resolveUdpTarget('udp://receiver.example.com:65535').host).toBe('receiver.example.com');
  });

  test('refuses what it cannot send to, saying why', () => {
    refused(() => resolveUdpTarget('udp://127.0.0.1'), /no port/);
    refused(() => resolveUdpTarget('udp://127.0.0.1:0'), /invalid port "0": expected 1 to 65535/);
    refused(() => resolveUdpTarget('udp://127.0.0.1:70000'), /invalid port/);
    refused(() => resolveUdpTarget('udp://:5000'), /no host/);
    refused(() => resolveUdpTarget('udp://::1:5000'), /IPv6 address in brackets/);
    refused(() => resolveUdpTarget('udp://[1.2.3.4]:5000'), /not an IPv6 address/);
    refused(() => resolveUdpTarget('udp://300.1.1.1:5000'), /invalid host "300.1.1.1"/);
    refused(() => resolveUdpTarget('udp://bad_host!:5000'), /invalid host/);
    refused(() => resolveUdpTarget('udp://u:p@h:5000'), /no user name or password/);
    refused(() => resolveUdpTarget('udp://h:5000/live'), /no path/);
    refused(() => resolveUdpTarget('udp://h:5000?buffer_size=1'), /unknown option 'buffer_size': udp:\/\/ URLs accept ttl, localaddr and pkt_size/);
    refused(() => resolveUdpTarget('udp://h:5000?ttl=0'), /ttl must be an integer from 1 to 255/);
    refused(() => resolveUdpTarget('udp://h:5000?ttl=1&ttl=2'), /given twice/);
    refused(() => resolveUdpTarget('udp://h:5000?pkt_size=1500'), /pkt_size must be a multiple of 188/);
    refused(() => resolveUdpTarget('udp://h:5000?pkt_size=1000'), /pkt_size must be a multiple of 188/);
    refused(() => resolveUdpTarget('udp://h:5000?localaddr=eth0'), /localaddr must be an IP address/);
    refused(() => resolveUdpTarget('udp://127.0.0.1:5000?localaddr=::1'), /is IPv6 but the destination 127.0.0.1 is IPv4/);
    refused(() => resolveUdpTarget('udp://h:5000?ttl'), /has no value/);
    refused(() => resolveUdpTarget('udp://h:5000 '), /spaces/);
    refused(() => resolveUdpTarget('srt://h:5000'), /expected a udp:\/\/ URL/);
  });

  test('multicast addresses', () => {
    expect(['224.0.0.1', '239.255.255.255', 'ff02::1', 'FF0E::1'].every(isMulticastAddress)).toBe(true);
    expect(['223.255.255.255', '240.0.0.1', '127.0.0.1', '::1', 'fe80::1', 'example.com'].some(isMulticastAddress)).toBe(false);
  });
});

describe('resolveSrtTarget', () => {
  test('caller by default, with stream id, passphrase, key length and latency; percent-encoding decoded', () => {
    const target = resolveSrtTarget('srt://ingest.example.com:9000?streamid=%23!::r=live/s3cretkey,m=publish&passphrase=correct-horse-battery&pbkeylen=32&latency=200');
    expect(target).toMatchObject({
      host: 'ingest.example.com',
      port: 9000,
      mode: 'caller',
      streamId: '#!::r=live/s3cretkey,m=publish',
      passphrase: 'correct-horse-battery',
      keyLength: 32,
      latencyMs: 200,
      streamName: '#!::r=live/s3cretkey,m=publish',
      safeStreamName: '#!::…',
    });
    // A raw '#' is part of the query, not a fragment.
    expect(resolveSrtTarget('srt://h:9000?streamid=#!::r=key').streamId).toBe('#!::r=key');
    expect(resolveSrtTarget('srt://[::1]:9000')).toMatchObject({ host: '::1', hostInUrl: '[::1]', mode: 'caller', streamId: undefined, passphrase: undefined, latencyMs: undefined, streamName: '[::1]:9000' });
  });

  test('listener: an IP address to listen on, or none', () => {
    expect(resolveSrtTarget('srt://:9000?mode=listener')).toMatchObject({ host: '', mode: 'listener', streamName: '0.0.0.0:9000' });
    expect(resolveSrtTarget('srt://127.0.0.1:9000?mode=listener&passphrase=0123456789').mode).toBe('listener');
    refused(() => resolveSrtTarget('srt://example.com:9000?mode=listener'), /the local address to listen on/);
    refused(() => resolveSrtTarget('srt://:9000?mode=listener&streamid=x'), /streamid is sent by a caller/);
    refused(() => resolveSrtTarget('srt://:9000'), /a caller needs the receiver's host/);
  });

  test('logs see no passphrase and a stream id cut to 4 characters', () => {
    expect(resolveSrtTarget('srt://h:9000?streamid=publish/live/key123&passphrase=correct-horse-battery&latency=120').safeUrl).toBe('srt://h:9000?streamid=publ…&passphrase=***&latency=120');
    expect(resolveSrtTarget('srt://h:9000?streamid=abc').safeUrl).toBe('srt://h:9000?streamid=…');
  });

  test("refuses what SRT or the tool cannot carry, with SRT's rules as the reason; never quotes secrets", () => {
    refused(() => resolveSrtTarget('srt://h:9000?passphrase=short'), /passphrase must be 10 to 79 characters \(SRT's rule\), got 5/);
    refused(() => resolveSrtTarget(`srt://h:9000?passphrase=${'x'.repeat(80)}`), /passphrase must be 10 to 79 characters/);
    refused(() => resolveSrtTarget('srt://h:9000?passphrase=0123456789%26x'), /passphrase cannot contain '&'/);
    refused(() => resolveSrtTarget(`srt://h:9000?streamid=${'k'.repeat(513)}`), /longer than SRT's 512 bytes/);
    refused(() => resolveSrtTarget('srt://h:9000?streamid=a%0Ab'), /control characters/);
    refused(() => resolveSrtTarget('srt://h:9000?pbkeylen=16'), /pbkeylen needs a passphrase/);
    refused(() => resolveSrtTarget('srt://h:9000?passphrase=0123456789&pbkeylen=20'), /pbkeylen must be 16, 24 or 32/);
    refused(() => resolveSrtTarget('srt://h:9000?latency=10001'), /latency must be an integer number of milliseconds from 0 to 10000/);
    refused(() => resolveSrtTarget('srt://h:9000?latency=-1'), /latency must be/);
    refused(() => resolveSrtTarget('srt://h:9000?mode=rendezvous'), /mode must be caller or listener/);
    refused(() => resolveSrtTarget('srt://h:9000?maxbw=100'), /unknown option 'maxbw': srt:\/\/ URLs accept mode, streamid, passphrase, pbkeylen and latency/);
    refused(() => resolveSrtTarget('srt://h:443'), /port 443: SRT pushes accept ports 1024 to 65535/);
    refused(() => resolveSrtTarget('srt://h:9000?passphrase=%E0%A4%A'), /malformed percent-encoding in option 'passphrase'/);
    expect(() => resolveSrtTarget(`srt://h:9000?passphrase=tiny-secret-${'x'.repeat(80)}`)).toThrow(expect.objectContaining({ message: expect.not.stringContaining('tiny-secret') }));
  });
});

describe('srtLiveTransmitArgs', () => {
  test('a byte copy from stdin to one SRT connection, with the resolved address and the URL options', () => {
    const caller = resolveSrtTarget('srt://ingest.example.com:9000?streamid=#!::r=live/key,m=publish&passphrase=correct-horse-battery&pbkeylen=24&latency=250');
    expect(srtLiveTransmitArgs(caller, '192.0.2.10', 4000)).toEqual([
      '-a:no',
      '-buffering:1',
      '-chunk:1316',
      '-loglevel:warn',
      'file://con',
      'srt://192.0.2.10:9000?mode=caller&transtype=live&conntimeo=4000&latency=250&passphrase=correct-horse-battery&pbkeylen=24&streamid=#!::r=live/key,m=publish',
    ]);
    expect(srtLiveTransmitArgs(resolveSrtTarget('srt://[::1]:9000'), '::1').at(-1)).toBe('srt://[::1]:9000?mode=caller&transtype=live&conntimeo=4000');
    expect(srtLiveTransmitArgs(resolveSrtTarget('srt://:9000?mode=listener'), '').at(-1)).toBe('srt://:9000?mode=listener&transtype=live');
  });
});
