import { CidrError, IpRangeSet, parseCidr } from '../../../server/rtmp-servers/cidr';

describe('parseCidr', () => {
  test.each([
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['192.168.1.7', { address: '192.168.1.7', prefix: 32, family: 'ipv4' }],
    [' 2001:db8::/32 ', { address: '2001:db8::', prefix: 32, family: 'ipv6' }],
    ['::1', { address: '::1', prefix: 128, family: 'ipv6' }],
    ['0.0.0.0/0', { address: '0.0.0.0', prefix: 0, family: 'ipv4' }],
  ])('reads %s', (text, range) => {
    expect(parseCidr(text)).toEqual(range);
  });

  test.each(['', 'localhost', '10.0.0.0/33', '::/129', '10.0.0.0/-1', '10.0.0.0/8/9', '10.0.0.0/', '10.0.0.0/0x8', '300.1.1.1', '10.0.0.0/ 8'])('refuses %j with CidrError', (text) => {
    expect(() => parseCidr(text)).toThrow(CidrError);
  });
});

describe('IpRangeSet', () => {
  const set = new IpRangeSet(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32']);

  test.each([
    ['10.200.3.4', true],
    ['11.0.0.1', false],
    ['192.168.1.7', true],
    ['192.168.1.8', false],
    ['2001:db8:1::5', true],
    ['2001:db9::5', false],
    // IPv4 clients of a dual-stack socket appear IPv4-mapped.
    ['::ffff:10.1.2.3', true],
    ['::ffff:11.1.2.3', false],
    ['not an address', false],
    ['', false],
  ])('contains(%j) is %s', (ip, inside) => {
    expect(set.contains(ip)).toBe(inside);
  });

  test('an empty set contains nothing and says it is empty', () => {
    const empty = new IpRangeSet([]);
    expect(empty.size).toBe(0);
    expect(empty.contains('127.0.0.1')).toBe(false);
  });

  test('a bad range fails the whole set with CidrError', () => {
    expect(() => new IpRangeSet(['10.0.0.0/8', 'nope'])).toThrow(CidrError);
  });
});
